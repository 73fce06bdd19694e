package workload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string, "forever" or 0.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 10s", n.Line)
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string: %w", err)
	}
	v, err := parseDuration(s)
	*d = v
	return err
}

// MarshalYAML writes a fixed size as a number and a range as {min, max}.
func (s Size) MarshalYAML() (any, error) {
	if s.Min == s.Max {
		return s.Min, nil
	}
	return map[string]int{"min": s.Min, "max": s.Max}, nil
}

// UnmarshalYAML reads a number (a fixed size) or {min: A, max: B}.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: size %q is not a whole number of bytes", n.Line, n.Value)
		}
		*s = Size{Min: v, Max: v}
		return nil
	case yaml.MappingNode:
		var r Size
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			x, err := strconv.Atoi(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: size %s %q is not a whole number of bytes", v.Line, k.Value, v.Value)
			}
			switch k.Value {
			case "min":
				r.Min = x
			case "max":
				r.Max = x
			default:
				return fmt.Errorf("line %d: field %s not found in type workload.Size", k.Line, k.Value)
			}
		}
		*s = r
		return nil
	}
	return fmt.Errorf("line %d: size must be a number or {min: A, max: B}", n.Line)
}

// MarshalJSON writes a fixed size as a number and a range as {min, max}.
func (s Size) MarshalJSON() ([]byte, error) {
	if s.Min == s.Max {
		return json.Marshal(s.Min)
	}
	return json.Marshal(map[string]int{"min": s.Min, "max": s.Max})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Size) UnmarshalJSON(b []byte) error {
	var v int
	if err := json.Unmarshal(b, &v); err == nil {
		*s = Size{Min: v, Max: v}
		return nil
	}
	var r struct{ Min, Max int }
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("size must be a number or {min, max}: %w", err)
	}
	*s = Size{Min: r.Min, Max: r.Max}
	return nil
}

// YAML returns the spec as a YAML document, ready to copy and edit.
func (s Spec) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// UnmarshalYAML reads the operation mix. A mix given in a file replaces the
// whole mix of the layer below it, so that a file naming only reads is read only.
func (o *Operations) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: operations must be a mapping such as {read: 0.5, update: 0.5}", n.Line)
	}
	var p [NumOps]float64
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		op, err := ParseOp(k.Value)
		if err != nil {
			return fmt.Errorf("line %d: field %s not found in type workload.Operations", k.Line, k.Value)
		}
		x, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: operations.%s: %q is not a number", v.Line, k.Value, v.Value)
		}
		p[op] = x
	}
	*o = Operations{Read: p[Read], Update: p[Update], Insert: p[Insert], Scan: p[Scan], ReadModifyWrite: p[ReadModifyWrite], Delete: p[Delete]}
	return nil
}
