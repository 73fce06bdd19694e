package drivertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
)

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Logf(string, ...any)          {}
func (r *recorder) Errorf(f string, args ...any) { r.errs = append(r.errs, fmt.Sprintf(f, args...)) }

// window is a final measure window at start s with ok successes and conn
// connection errors.
func window(s float64, ok, conn int64) result.Window {
	return result.Window{StartS: s, DurationS: 1, Phase: "measure", State: result.WindowFinal,
		Ops: map[string]result.WindowOp{"read": {Count: ok + conn, Errors: conn, ErrorsByClass: map[string]int64{"connection": conn}}}}
}

func TestCheckOutage(t *testing.T) {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	cases := []struct {
		name    string
		windows []result.Window
		want    string // a part of the first error; "" for none
	}{
		// Errors only while down, successes again once back: nothing to report.
		{"recovered", []result.Window{window(1, 10, 0), window(2, 0, 5), window(3, 0, 5), window(4, 1, 3), window(5, 10, 0), window(6, 10, 0)}, ""},
		// A success while the server was down cannot be.
		{"success while down", []result.Window{window(2, 1, 5), window(3, 0, 5), window(5, 10, 0)}, "successful operations = 1, want 0"},
		// A window of the outage without connection errors misclassified them.
		{"no connection errors", []result.Window{window(2, 0, 0), window(3, 0, 5), window(5, 10, 0)}, "connection errors = 0"},
		// No throughput once the server is back.
		{"not recovered", []result.Window{window(2, 0, 5), window(3, 0, 5), window(5, 10, 0), window(6, 0, 7)}, "successful operations = 0, want > 0"},
		// A run too short to see the outage proves nothing.
		{"no outage window", []result.Window{window(1, 10, 0), window(5, 10, 0)}, "no final measure window lies wholly within"},
		{"no window after", []result.Window{window(2, 0, 5), window(3, 0, 5)}, "no final measure window starts after"},
		// The trailing window at the measure phase's end is not judged.
		{"trailing window", []result.Window{window(2, 0, 5), window(3, 0, 5), window(5, 10, 0), window(7, 0, 0)}, ""},
	}
	for _, c := range cases {
		doc := &result.Document{Measure: result.Span{StartS: 0, DurationS: 7}, Windows: c.windows}
		r := &recorder{TB: t}
		// Down from 1.5 s to 4.2 s, back by 5 s.
		CheckOutage(r, doc, sec(1.5), sec(4.2), sec(5))
		got := strings.Join(r.errs, "; ")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: CheckOutage errors = %q, want %q", c.name, got, c.want)
		}
	}
}
