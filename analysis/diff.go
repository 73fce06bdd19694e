package analysis

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/statebench/statebench/result"
)

// Change is one field that differs between the base and a candidate. Field
// is its dotted JSON path ("workload.load.rate", "environment.target.version");
// a value absent on one side is "".
type Change struct {
	Field     string `json:"field"`
	Base      string `json:"base"`
	Candidate string `json:"candidate"`
	// Unexpected marks a difference that should not exist between runs that
	// are compared (a different CPU model, a different driver); it also
	// appears in the candidate's warnings.
	Unexpected bool `json:"unexpected,omitempty"`
}

// expectedSame are the environment fields that must not differ for a
// comparison to be fair: the hardware and the driver.
var expectedSame = []string{
	"environment.arch",
	"environment.cpu_model",
	"environment.cpus",
	"environment.memory_bytes",
	"environment.driver",
	"environment.instance_type",
}

func diffWorkload(b, c *result.Document) []Change {
	return diff(flatten("workload", b.Workload), flatten("workload", c.Workload))
}

// diffEnvironment diffs the fingerprints, leaving out the target's state
// after the run, which differs every time (a table's size).
func diffEnvironment(b, c *result.Document) []Change {
	be, ce := b.Environment, c.Environment
	be.TargetAfter, ce.TargetAfter = nil, nil
	ch := diff(flatten("environment", be), flatten("environment", ce))
	for i := range ch {
		ch[i].Unexpected = slices.Contains(expectedSame, ch[i].Field)
	}
	return ch
}

// flatten returns the leaves of v's JSON form under prefix, as text.
func flatten(prefix string, v any) map[string]string {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]string{prefix: fmt.Sprintf("unprintable: %v", err)}
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return map[string]string{prefix: fmt.Sprintf("unprintable: %v", err)}
	}
	out := map[string]string{}
	var walk func(path string, n any)
	walk = func(path string, n any) {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				walk(path+"."+k, v)
			}
		case []any:
			for i, v := range n {
				walk(fmt.Sprintf("%s.%d", path, i), v)
			}
		case nil:
		case string:
			out[path] = n
		default:
			b, _ := json.Marshal(n)
			out[path] = string(b)
		}
	}
	walk(prefix, tree)
	return out
}

func diff(b, c map[string]string) []Change {
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range c {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		if b[k] != c[k] {
			out = append(out, Change{Field: k, Base: b[k], Candidate: c[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// warnings says what differs between the candidate and any base run that
// should not, and what weakens the comparison.
func warnings(base []*result.Document, c *result.Document, opts Options) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, b := range base {
		for _, ch := range diffEnvironment(b, c) {
			if ch.Unexpected {
				add(fmt.Sprintf("%s differs: %s in base run %s, %s in candidate", ch.Field, quote(ch.Base), b.ID, quote(ch.Candidate)))
			}
		}
		if opts.SameWorkload {
			if ch := diffWorkload(b, c); len(ch) > 0 {
				fields := make([]string, 0, len(ch))
				for _, x := range ch {
					fields = append(fields, x.Field)
				}
				add(fmt.Sprintf("workload differs from base run %s in %s", b.ID, strings.Join(fields, ", ")))
			}
		}
		if b.Benchmark != c.Benchmark && opts.SameWorkload {
			add(fmt.Sprintf("benchmark differs: %s in base run %s, %s in candidate", quote(b.Benchmark), b.ID, quote(c.Benchmark)))
		}
	}
	for _, d := range append(slices.Clone(base), c) {
		if d.Status != result.Completed {
			add(fmt.Sprintf("run %s is %s, not completed", d.ID, d.Status))
		}
		if n := countMeasureWindows(d); n < opts.MinWindows {
			add(fmt.Sprintf("run %s has %d final measure windows: too few to decide", d.ID, n))
		}
	}
	return out
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}
