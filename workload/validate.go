package workload

import (
	"fmt"
	"math"
	"strings"
)

// MinVerifiedValueSize is the smallest value size that can carry the verify
// header (see package value).
const MinVerifiedValueSize = 24

// Validate checks that the spec is consistent and returns the first problem,
// naming its field.
func (s Spec) Validate() error {
	p := s.Operations.Proportions()
	sum := 0.0
	var parts []string
	for op, v := range p {
		if v < 0 || math.IsNaN(v) {
			return invalid("operations.%s: proportion %v is negative", Op(op), v)
		}
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%s %g", Op(op), v))
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		return invalid("operations: proportions sum to %g (%s), want 1", sum, strings.Join(parts, " + "))
	}
	if s.Driver.Name == "" {
		return invalid("driver.name: empty")
	}
	if s.Records < 0 {
		return invalid("records: %d is negative", s.Records)
	}
	if s.Records == 0 && (p[Read]+p[Update]+p[Scan]+p[ReadModifyWrite]+p[Delete] > 0) {
		return invalid("records: 0, but the workload reads or changes existing records (use records > 0, or only inserts)")
	}
	switch s.Keys.Distribution {
	case Uniform, Zipfian, Latest, Sequential:
	case Hotspot:
		if !(s.Keys.HotspotData > 0 && s.Keys.HotspotData < 1) {
			return invalid("keys.hotspot_data: %g, want a fraction between 0 and 1", s.Keys.HotspotData)
		}
		if !(s.Keys.HotspotOps >= 0 && s.Keys.HotspotOps <= 1) {
			return invalid("keys.hotspot_ops: %g, want a fraction between 0 and 1", s.Keys.HotspotOps)
		}
	default:
		return invalid("keys.distribution: %q, want uniform, zipfian, latest, hotspot or sequential", s.Keys.Distribution)
	}
	if (s.Keys.Distribution == Zipfian || s.Keys.Distribution == Latest) && !(s.Keys.ZipfianConstant > 0 && s.Keys.ZipfianConstant < 1) {
		return invalid("keys.zipfian_constant: %g, want a number between 0 and 1 (YCSB uses 0.99)", s.Keys.ZipfianConstant)
	}
	digits := len(fmt.Sprint(s.Records + 1<<32))
	if s.Keys.Size < len(s.Keys.Prefix)+digits {
		return invalid("keys.size: %d is too small for prefix %q and %d digits of record number", s.Keys.Size, s.Keys.Prefix, digits)
	}
	if s.Values.Size.Min < 1 || s.Values.Size.Max < s.Values.Size.Min {
		return invalid("values.size: min %d, max %d: want 1 <= min <= max", s.Values.Size.Min, s.Values.Size.Max)
	}
	if s.Verify && s.Values.Size.Min < MinVerifiedValueSize {
		return invalid("values.size: %d bytes is too small with verify: true (want at least %d)", s.Values.Size.Min, MinVerifiedValueSize)
	}
	if s.Values.Fields < 1 {
		return invalid("values.fields: %d, want at least 1", s.Values.Fields)
	}
	if p[Scan] > 0 {
		if s.Scan.MinLength < 1 || s.Scan.MaxLength < s.Scan.MinLength {
			return invalid("scan: min_length %d, max_length %d: want 1 <= min_length <= max_length", s.Scan.MinLength, s.Scan.MaxLength)
		}
		if s.Scan.Distribution != Uniform && s.Scan.Distribution != Zipfian {
			return invalid("scan.distribution: %q, want uniform or zipfian", s.Scan.Distribution)
		}
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"phases.warmup", s.Phases.Warmup}, {"phases.duration", s.Phases.Duration}, {"timeout", s.Timeout}, {"load.think_time", s.Load.ThinkTime}, {"load.skip_after", s.Load.SkipAfter}} {
		if d.v < 0 {
			return invalid("%s: %s is negative", d.name, d.v)
		}
	}
	if s.Timeout == 0 {
		return invalid("timeout: 0, want a positive duration")
	}
	if s.Load.Concurrency < 1 {
		return invalid("load.concurrency: %d, want at least 1", s.Load.Concurrency)
	}
	if s.Load.MaxInflight < 0 {
		return invalid("load.max_inflight: %d is negative", s.Load.MaxInflight)
	}
	switch s.Load.Model {
	case Closed:
	case Open:
		if !(s.Load.Rate > 0) || math.IsInf(s.Load.Rate, 0) {
			return invalid("load.rate: %g, an open loop needs a rate above 0 ops/s", s.Load.Rate)
		}
		if s.Load.Arrival != Constant && s.Load.Arrival != Poisson {
			return invalid("load.arrival: %q, want constant or poisson", s.Load.Arrival)
		}
		if s.Load.SkipAfter == 0 {
			return invalid("load.skip_after: 0, want a positive deadline (for example 1s)")
		}
	default:
		return invalid("load.model: %q, want closed or open", s.Load.Model)
	}
	if s.Load.Rate < 0 {
		return invalid("load.rate: %g is negative", s.Load.Rate)
	}
	return nil
}
