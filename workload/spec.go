// Package workload defines what a benchmark does to its target: the mix of
// operations, the keys and values, the phases and the load model. A workload
// is read from a YAML file or a built-in name, overridden layer by layer
// (Resolve), checked (Validate) and stored, fully resolved, in every run's
// result document.
package workload

import (
	"fmt"
	"time"
)

// Spec is a workload. Field names are those of the YAML file and of --set
// paths (for example --set load.rate=5000).
type Spec struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Driver names the driver and target, and carries driver options.
	Driver DriverSpec `yaml:"driver" json:"driver"`
	// Records is the number of records the load phase writes: the initial
	// keyspace.
	Records    int64      `yaml:"records" json:"records"`
	Operations Operations `yaml:"operations" json:"operations"`
	Scan       ScanSpec   `yaml:"scan" json:"scan"`
	Keys       Keys       `yaml:"keys" json:"keys"`
	Values     Values     `yaml:"values" json:"values"`
	Phases     Phases     `yaml:"phases" json:"phases"`
	Load       Load       `yaml:"load" json:"load"`
	// Timeout bounds each operation.
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// Seed seeds every random choice: the same seed gives each worker the
	// same sequence of operations and keys.
	Seed int64 `yaml:"seed" json:"seed"`
	// Verify makes values carry a checksum of key and version, checks every
	// read and adds the verify phase.
	Verify bool `yaml:"verify" json:"verify"`
}

// DriverSpec selects the driver and its target.
type DriverSpec struct {
	Name    string            `yaml:"name" json:"name"`
	Target  string            `yaml:"target,omitempty" json:"target,omitempty"`
	Options map[string]string `yaml:"options,omitempty" json:"options,omitempty"`
	// Cleanup removes what statebench created on the target after the run.
	Cleanup bool `yaml:"cleanup,omitempty" json:"cleanup,omitempty"`
}

// Operations are the proportions of each operation kind; they sum to 1.
type Operations struct {
	Read            float64 `yaml:"read,omitempty" json:"read,omitempty"`
	Update          float64 `yaml:"update,omitempty" json:"update,omitempty"`
	Insert          float64 `yaml:"insert,omitempty" json:"insert,omitempty"`
	Scan            float64 `yaml:"scan,omitempty" json:"scan,omitempty"`
	ReadModifyWrite float64 `yaml:"rmw,omitempty" json:"rmw,omitempty"`
	Delete          float64 `yaml:"delete,omitempty" json:"delete,omitempty"`
}

// Proportions returns the proportions indexed by Op.
func (o Operations) Proportions() [NumOps]float64 {
	return [NumOps]float64{o.Read, o.Update, o.Insert, o.Scan, o.ReadModifyWrite, o.Delete}
}

// ScanSpec is the distribution of scan lengths.
type ScanSpec struct {
	MinLength    int    `yaml:"min_length" json:"min_length"`
	MaxLength    int    `yaml:"max_length" json:"max_length"`
	Distribution string `yaml:"distribution" json:"distribution"` // uniform or zipfian
}

// Key distributions.
const (
	Uniform    = "uniform"
	Zipfian    = "zipfian"
	Latest     = "latest"
	Hotspot    = "hotspot"
	Sequential = "sequential"
)

// Keys describes the keyspace and how operations pick keys.
type Keys struct {
	Distribution string `yaml:"distribution" json:"distribution"`
	// ZipfianConstant is the skew of the zipfian and latest distributions
	// (YCSB's 0.99 by default). The zipfian distribution is scrambled, as in
	// YCSB: popular keys are spread over the keyspace.
	ZipfianConstant float64 `yaml:"zipfian_constant" json:"zipfian_constant"`
	// HotspotData is the fraction of keys that are hot; HotspotOps the
	// fraction of operations that go to them.
	HotspotData float64 `yaml:"hotspot_data" json:"hotspot_data"`
	HotspotOps  float64 `yaml:"hotspot_ops" json:"hotspot_ops"`
	// Prefix starts every key; Size is the key's length in bytes, the rest
	// being the record number in zero-padded decimal, so keys sort in
	// record order.
	Prefix string `yaml:"prefix" json:"prefix"`
	Size   int    `yaml:"size" json:"size"`
}

// Values describes the values written.
type Values struct {
	Size Size `yaml:"size" json:"size"`
	// Fields is the number of fields a value is split into, for drivers that
	// store fields (Redis hashes, YCSB's field columns).
	Fields int `yaml:"fields" json:"fields"`
}

// Size is a value size: fixed (Min == Max) or uniform between Min and Max.
// In YAML it is a number or {min: A, max: B}.
type Size struct {
	Min int `yaml:"min" json:"min"`
	Max int `yaml:"max" json:"max"`
}

// Phases are the phases of a run, in order: load, warm-up, measure, verify.
type Phases struct {
	// Load preloads Records records before the run; false when the target
	// already holds them (--skip-load).
	Load bool `yaml:"load" json:"load"`
	// Warmup runs the workload without counting it.
	Warmup Duration `yaml:"warmup" json:"warmup"`
	// Duration is the measure phase's length; 0 ("forever") runs until
	// interrupted.
	Duration Duration `yaml:"duration" json:"duration"`
}

// Load models.
const (
	Closed = "closed"
	Open   = "open"
)

// Arrival processes of an open loop.
const (
	Constant = "constant"
	Poisson  = "poisson"
)

// Load is the load model.
type Load struct {
	// Model is closed (Concurrency workers, each issuing its next operation
	// when the previous one returns) or open (operations scheduled at Rate
	// per second whatever the target does).
	Model       string `yaml:"model" json:"model"`
	Concurrency int    `yaml:"concurrency" json:"concurrency"`
	// ThinkTime is a closed-loop worker's pause between operations.
	ThinkTime Duration `yaml:"think_time,omitempty" json:"think_time,omitempty"`
	Rate      float64  `yaml:"rate,omitempty" json:"rate,omitempty"`
	Arrival   string   `yaml:"arrival,omitempty" json:"arrival,omitempty"`
	// MaxInflight bounds the operations in flight in an open loop (the
	// number of workers); 0 means Concurrency.
	MaxInflight int `yaml:"max_inflight,omitempty" json:"max_inflight,omitempty"`
	// SkipAfter is the open loop's deadline: an operation that cannot start
	// within it of its scheduled time is skipped and counted.
	SkipAfter Duration `yaml:"skip_after,omitempty" json:"skip_after,omitempty"`
}

// Workers returns the number of worker goroutines the load model needs.
func (l Load) Workers() int {
	if l.Model == Open && l.MaxInflight > 0 {
		return l.MaxInflight
	}
	return l.Concurrency
}

// Default returns the built-in defaults: the bottom layer of every workload.
func Default() Spec {
	return Spec{
		Name:       "custom",
		Driver:     DriverSpec{Name: "embedded"},
		Records:    100000,
		Operations: Operations{Read: 0.5, Update: 0.5},
		Scan:       ScanSpec{MinLength: 1, MaxLength: 100, Distribution: Uniform},
		Keys: Keys{
			Distribution:    Zipfian,
			ZipfianConstant: 0.99,
			HotspotData:     0.2,
			HotspotOps:      0.8,
			Prefix:          "user",
			Size:            16,
		},
		Values:  Values{Size: Size{Min: 100, Max: 100}, Fields: 1},
		Phases:  Phases{Load: true, Warmup: Duration(2 * time.Second), Duration: Duration(10 * time.Second)},
		Load:    Load{Model: Closed, Concurrency: 16, Arrival: Constant, SkipAfter: Duration(time.Second)},
		Timeout: Duration(10 * time.Second),
		Seed:    1,
	}
}

// Duration is a time.Duration written as a Go duration string ("1.5s").
// "forever" is accepted as 0.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

func parseDuration(s string) (Duration, error) {
	if s == "forever" || s == "0" {
		return 0, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (want for example 500ms, 10s, 2m, or forever)", s)
	}
	return Duration(v), nil
}
