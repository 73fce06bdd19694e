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

// warnings says what differs between the candidate and the base runs that
// should not, and what weakens the comparison. A difference shared by
// several pooled base runs is one warning naming them.
func warnings(base []*result.Document, c *result.Document, opts Options) []string {
	type group struct {
		text func(runs string) string
		ids  []string
	}
	var order []string
	groups := map[string]*group{}
	add := func(key string, text func(runs string) string, id string) {
		g := groups[key]
		if g == nil {
			g = &group{text: text}
			groups[key] = g
			order = append(order, key)
		}
		g.ids = append(g.ids, id)
	}
	for _, b := range base {
		for _, ch := range diffEnvironment(b, c) {
			if !ch.Unexpected {
				continue
			}
			add("env\x00"+ch.Field+"\x00"+ch.Base, func(runs string) string {
				return fmt.Sprintf("%s differs: %s in %s, %s in candidate", ch.Field, quote(ch.Base), runs, quote(ch.Candidate))
			}, b.ID)
		}
		if !opts.SameWorkload {
			continue
		}
		if ch := diffWorkload(b, c); len(ch) > 0 {
			fields := make([]string, 0, len(ch))
			for _, x := range ch {
				fields = append(fields, x.Field)
			}
			f := strings.Join(fields, ", ")
			add("workload\x00"+f, func(runs string) string {
				return fmt.Sprintf("workload differs from %s in %s", runs, f)
			}, b.ID)
		}
		if b.Benchmark != c.Benchmark {
			add("benchmark\x00"+b.Benchmark, func(runs string) string {
				return fmt.Sprintf("benchmark differs: %s in %s, %s in candidate", quote(b.Benchmark), runs, quote(c.Benchmark))
			}, b.ID)
		}
	}
	var out []string
	for _, k := range order {
		g := groups[k]
		out = append(out, g.text(baseRuns(g.ids, len(base))))
	}
	for _, d := range append(slices.Clone(base), c) {
		if d.Status != result.Completed {
			out = append(out, fmt.Sprintf("run %s is %s, not completed", d.ID, d.Status))
		}
		if n := countMeasureWindows(d); n < opts.MinWindows {
			out = append(out, fmt.Sprintf("run %s has %d final measure windows: too few to decide", d.ID, n))
		}
	}
	return out
}

// baseRuns names some base runs: "base run X", or "3 of 49 base runs (X, Y, Z)".
func baseRuns(ids []string, of int) string {
	if len(ids) == 1 && of == 1 {
		return "base run " + ids[0]
	}
	shown := ids
	if len(shown) > 3 {
		shown = shown[:3]
	}
	list := strings.Join(shown, ", ")
	if len(ids) > 3 {
		list += ", …"
	}
	if len(ids) == 1 {
		return fmt.Sprintf("base run %s (1 of %d)", ids[0], of)
	}
	return fmt.Sprintf("%d of %d base runs (%s)", len(ids), of, list)
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}
