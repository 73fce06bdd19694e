package result

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Observer statuses.
const (
	// ObserverOK: the observer ran; its series and histograms hold what it saw.
	ObserverOK = "ok"
	// ObserverUnavailable: the observer could not run on this host (missing
	// permission, kernel support); Reason says why. It holds no figures:
	// missing, not zero.
	ObserverUnavailable = "unavailable"
)

// Observer is what one host observer recorded during a run, on the run clock
// and in windows that coincide with the client's. The observe package fills
// it in; docs/observe.md documents every series and histogram.
type Observer struct {
	// Name is the observer's name: host, process, biolatency, runqlat.
	Name string `json:"name"`
	// Status is ObserverOK or ObserverUnavailable; Reason says why an
	// observer was unavailable. An unavailable observer has no series:
	// missing, not zero.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Target is what the observer watched when it was not the whole host,
	// for example "pid 4242 (redis-server)".
	Target string `json:"target,omitempty"`
	// Info holds facts about how the observer worked, for example the
	// eBPF attach mode ("attach": "tp_btf").
	Info map[string]string `json:"info,omitempty"`

	// StartS is the start of the observer's first window in seconds from
	// the document's StartedAt, and Windows the number of consecutive
	// one-second windows from there that its series cover.
	StartS  float64 `json:"start_s"`
	Windows int     `json:"windows"`
	// MissingS lists the start_s of the windows in that span for which the
	// observer has no reading (a late sample, a stopped process).
	MissingS []float64 `json:"missing_s,omitempty"`

	Series     []Series       `json:"series,omitempty"`
	Histograms []LogHistogram `json:"histograms,omitempty"`
}

// Series is one figure sampled once per window.
type Series struct {
	// Name is the figure's name, for example "cpu.iowait" or "disk.write_bytes".
	Name string `json:"name"`
	// Unit is the unit of Values: "%", "bytes", "bytes/s", "ops/s", "ms" ...
	Unit string `json:"unit"`
	// Labels tell series of one name apart, for example {"disk": "vda"}.
	Labels map[string]string `json:"labels,omitempty"`
	// Values[i] is the figure for the window starting at the observer's
	// StartS+i seconds. A window without a figure holds NaN, written as null
	// in JSON: missing, not zero.
	Values Values `json:"values"`
	// Total is, for a rate (Unit ending in "/s"), the counter's increase over
	// the whole observation in Unit without "/s", including the stretches
	// whose windows are missing; absent for other figures.
	Total *float64 `json:"total,omitempty"`
}

// Values are per-window figures, NaN where missing. In JSON they are an
// array of numbers with six significant digits, null for NaN.
type Values []float64

// MarshalJSON writes NaN as null and rounds to six significant digits.
func (v Values) MarshalJSON() ([]byte, error) {
	if v == nil {
		return []byte("[]"), nil
	}
	b := make([]byte, 0, 2+8*len(v))
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case math.IsNaN(x):
			b = append(b, "null"...)
		case math.IsInf(x, 0):
			return nil, fmt.Errorf("encoding series value %d: %v is not a number JSON can hold", i, x)
		default:
			b = strconv.AppendFloat(b, x, 'g', 6, 64)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads null as NaN.
func (v *Values) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Values, len(raw))
	for i, p := range raw {
		if p == nil {
			out[i] = math.NaN()
		} else {
			out[i] = *p
		}
	}
	*v = out
	return nil
}

// LogHistogram is a histogram with log2 buckets: bucket i counts values in
// [2^i, 2^(i+1)), bucket 0 also counts 0. Histograms of the same name, unit
// and labels merge by adding bucket counts.
type LogHistogram struct {
	// Name is the histogram's name, for example "disk.latency".
	Name string `json:"name"`
	// Unit is the unit of the bucket bounds: "us" or "bytes".
	Unit   string            `json:"unit"`
	Labels map[string]string `json:"labels,omitempty"`
	// Count is the number of values over the whole observation and Counts
	// their buckets, Counts[i] for bucket i, trailing empty buckets trimmed.
	Count  uint64   `json:"count"`
	Counts []uint64 `json:"counts"`
	// Windows holds one sparse histogram per window that had values, oldest
	// first; absent for histograms kept as totals only. A window in the
	// observer's span that is neither here nor in its MissingS had none.
	Windows []WindowBuckets `json:"windows,omitempty"`
}

// WindowBuckets is one window's part of a LogHistogram: Counts[j] counts the
// values in bucket First+j. Buckets below First and above the last are empty.
type WindowBuckets struct {
	StartS float64  `json:"start_s"`
	First  int      `json:"first"`
	Counts []uint64 `json:"counts"`
}

// Bucket returns the window's count in bucket i.
func (w WindowBuckets) Bucket(i int) uint64 {
	if j := i - w.First; j >= 0 && j < len(w.Counts) {
		return w.Counts[j]
	}
	return 0
}

var (
	_ json.Marshaler   = Values(nil)
	_ json.Unmarshaler = (*Values)(nil)
)
