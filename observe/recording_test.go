package observe

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
)

// TestWindowAlignment: a reading closes window k-1 when it is taken within
// the tolerance of tick k and the previous reading was within the tolerance
// of tick k-1; anything else closes no window (Index -1).
func TestWindowAlignment(t *testing.T) {
	start := time.Unix(1000, 0)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name      string
		prev, now float64
		want      int
	}{
		// A baseline taken at the run's start, read at the first tick, closes window 0.
		{"first window", 0.01, 1.002, 0},
		// A reading a little late still closes its window.
		{"late within tolerance", 4.0, 5.2, 4},
		// A reading a little early too.
		{"early within tolerance", 4.0, 4.8, 4},
		// A baseline taken late (the eBPF programs took long to load) leaves
		// the first window missing: it would hold only part of a second.
		{"late baseline", 0.4, 1.0, -1},
		// A reading that missed a tick spans two windows: neither is kept.
		{"missed tick", 3.0, 5.0, -1},
		// A reading far off its tick is not a window.
		{"far off", 3.0, 4.4, -1},
		// Before the run's start there is no window.
		{"before start", -1.0, 0.0, -1},
	}
	for _, tt := range tests {
		r := newRecording(start)
		r.baseline(at(tt.prev))
		if got := r.window(at(tt.now)).Index; got != tt.want {
			t.Errorf("%s: window(prev %.3f, now %.3f).Index = %d, want %d", tt.name, tt.prev, tt.now, got, tt.want)
		}
	}
}

// TestRecordingGapsAndTotals: windows without a reading are missing (NaN in
// series, listed in MissingS) while rates and histograms still add the
// readings' increases to the totals.
func TestRecordingGapsAndTotals(t *testing.T) {
	start := time.Unix(1000, 0)
	r := newRecording(start)
	r.baseline(start)
	read := func(s float64, bytes float64, lat []uint64, fail bool) {
		w := r.window(start.Add(time.Duration(s * float64(time.Second))))
		w.Rate("disk.write_bytes", "bytes/s", map[string]string{"disk": "vda"}, bytes)
		w.Gauge("mem.dirty", "bytes", nil, bytes)
		w.Histogram("disk.latency", "us", map[string]string{"disk": "vda", "op": "write"}, lat, true)
		if fail {
			return // Sample failed: nothing is committed
		}
		r.commit(w)
	}
	read(1, 100, []uint64{0, 0, 3}, false) // window 0
	read(2, 200, []uint64{0, 1}, false)    // window 1
	read(4, 400, []uint64{0, 0, 0, 2}, false)
	read(5, 50, []uint64{1}, true) // failed
	read(6, 600, []uint64{0, 0, 0, 0, 5}, false)
	read(7, 700, nil, false) // window 6
	got := r.result("host")

	if got.StartS != 0 || got.Windows != 7 {
		t.Fatalf("span = start %v, %d windows, want 0, 7", got.StartS, got.Windows)
	}
	if want := []float64{2, 3, 4, 5}; !slices.Equal(got.MissingS, want) {
		t.Errorf("MissingS = %v, want %v", got.MissingS, want)
	}
	wb := got.Series[0]
	wantVals := []float64{100, 200, math.NaN(), math.NaN(), math.NaN(), math.NaN(), 700}
	if !sameValues(wb.Values, wantVals) {
		t.Errorf("write_bytes values = %v, want %v", wb.Values, wantVals)
	}
	// 50 bytes read by the failed sample are lost with it; the rest count.
	if wb.Total == nil || *wb.Total != 100+200+400+600+700 {
		t.Errorf("write_bytes total = %v, want 2000", wb.Total)
	}
	if got.Series[1].Total != nil {
		t.Errorf("gauge mem.dirty has a total %v, want none", *got.Series[1].Total)
	}
	h := got.Histograms[0]
	if want := []uint64{0, 1, 3, 2, 5}; h.Count != 11 || !slices.Equal(h.Counts, want) {
		t.Errorf("histogram total = %d %v, want 11 %v", h.Count, h.Counts, want)
	}
	wantWin := []result.WindowBuckets{{StartS: 0, First: 2, Counts: []uint64{3}}, {StartS: 1, First: 1, Counts: []uint64{1}}}
	if len(h.Windows) != 2 || h.Windows[0].First != 2 || h.Windows[1].StartS != 1 || h.Windows[1].Bucket(1) != 1 {
		t.Errorf("histogram windows = %+v, want %+v", h.Windows, wantWin)
	}
}

func sameValues(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) })
}

// TestValuesJSON: missing values travel as null and come back as NaN;
// figures keep six significant digits.
func TestValuesJSON(t *testing.T) {
	in := result.Values{1.5, math.NaN(), 123456789, 0.000123456789}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[1.5,null,1.23457e+08,0.000123457]`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out result.Values
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if want := []float64{1.5, math.NaN(), 1.23457e8, 0.000123457}; !sameValues(out, want) {
		t.Errorf("Unmarshal = %v, want %v", out, want)
	}
	if _, err := json.Marshal(result.Values{math.Inf(1)}); err == nil {
		t.Error("Marshal(+Inf) succeeded, want an error")
	}
}

// TestConfigValidate: observer names and the process selection are checked
// before anything starts.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
		unknown bool
	}{
		// The default selects everything.
		{name: "default", cfg: Config{}},
		{name: "explicit list", cfg: Config{Names: []string{"host", "runqlat"}}},
		{name: "none", cfg: Config{Names: []string{"none"}}},
		// An unknown name is named in the error, which wraps ErrUnknownObserver.
		{name: "unknown", cfg: Config{Names: []string{"host", "iostat"}}, wantErr: `"iostat"`, unknown: true},
		// A process is chosen by pid or by name, not both.
		{name: "pid and name", cfg: Config{PID: 1, ProcessName: "redis-server"}, wantErr: "not both"},
		{name: "negative pid", cfg: Config{PID: -2}, wantErr: "pid -2"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: Validate() = %v, want an error containing %s", tt.name, err, tt.wantErr)
		case tt.unknown && !errors.Is(err, ErrUnknownObserver):
			t.Errorf("%s: Validate() = %v, want it to wrap ErrUnknownObserver", tt.name, err)
		}
	}
	names, _ := Config{Names: []string{"runqlat", "auto"}}.resolved()
	if want := []string{"host", "process", "biolatency", "runqlat"}; !slices.Equal(names, want) {
		t.Errorf("resolved(runqlat, auto) = %v, want %v", names, want)
	}
}
