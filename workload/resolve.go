package workload

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtin returns the built-in workload with the given name, as YAML.
func Builtin(name string) ([]byte, bool) {
	b, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	return b, err == nil
}

// BuiltinNames returns the names of the built-in workloads, sorted.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// DefaultSource is the workload used when none is named.
const DefaultSource = "ycsb-a"

// Override sets one field, named by its dotted path (load.rate), to a value
// written as in YAML. Origin names where it came from for error messages
// (--set, --rate, STATEBENCH_RATE).
type Override struct {
	Path   string
	Value  string
	Origin string
}

// Layers are the layers of a workload's configuration, lowest first after
// the built-in defaults.
type Layers struct {
	// Source is a workload file or a built-in name; "" means DefaultSource.
	Source string
	// Env holds overrides from the environment (see EnvOverrides).
	Env []Override
	// Flags holds overrides from command-line flags, applied in order.
	Flags []Override
}

// ErrInvalid is wrapped by every error about a workload the user gave.
var ErrInvalid = errors.New("invalid workload")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Resolve builds the workload from its layers, in this precedence: built-in
// defaults < file (or built-in workload) < environment < flags. The result
// is validated.
func Resolve(l Layers) (Spec, error) {
	spec := Default()
	src := l.Source
	if src == "" {
		src = DefaultSource
	}
	data, name, err := readSource(src)
	if err != nil {
		return Spec{}, err
	}
	if err := decodeStrict(data, &spec); err != nil {
		return Spec{}, invalid("%s:%s", name, err)
	}
	for _, layer := range [][]Override{l.Env, l.Flags} {
		for _, o := range layer {
			if spec, err = apply(spec, o); err != nil {
				return Spec{}, err
			}
		}
	}
	if err := spec.Validate(); err != nil {
		return Spec{}, err
	}
	return spec, nil
}

// readSource returns the YAML of a file or, when no such file exists, of the
// built-in workload of that name.
func readSource(src string) (data []byte, name string, err error) {
	data, err = os.ReadFile(src)
	if err == nil {
		return data, src, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		if b, ok := Builtin(src); ok {
			return b, "builtin/" + src + ".yaml", nil
		}
		return nil, "", invalid("workload %q: no such file, and no built-in workload of that name (built-in: %s)", src, strings.Join(BuiltinNames(), ", "))
	}
	return nil, "", invalid("reading workload: %v", err)
}

// decodeStrict decodes YAML into dst, refusing unknown fields, and returns
// errors as "LINE: message" with the field's path.
func decodeStrict(data []byte, dst *Spec) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(dst)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return cleanYAMLError(err)
}

var (
	reLine        = regexp.MustCompile(`^line (\d+): (.*)$`)
	reLeadingLine = regexp.MustCompile(`^\d+: `)
	reUnknown     = regexp.MustCompile(`field (\S+) not found in type workload\.(\w+)`)
	reType        = regexp.MustCompile(`cannot unmarshal !!(\w+) ` + "`" + `([^` + "`" + `]*)` + "`" + ` into (\S+)`)
)

// sectionOf names the YAML section of each type, for error messages.
var sectionOf = map[string]string{
	"Spec": "the workload", "DriverSpec": "driver", "Operations": "operations", "ScanSpec": "scan",
	"Keys": "keys", "Values": "values", "Size": "values.size", "Phases": "phases", "Load": "load",
}

// cleanYAMLError turns the YAML library's messages into one line:
// `3: unknown field "foo" in operations`.
func cleanYAMLError(err error) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	m := strings.TrimSpace(msgs[0])
	line := ""
	if sm := reLine.FindStringSubmatch(m); sm != nil {
		line, m = sm[1], sm[2]
	}
	if sm := reUnknown.FindStringSubmatch(m); sm != nil {
		m = fmt.Sprintf("unknown field %q in %s", sm[1], sectionOf[sm[2]])
	} else if sm := reType.FindStringSubmatch(m); sm != nil {
		m = fmt.Sprintf("value %q is not a valid %s", sm[2], strings.TrimPrefix(sm[3], "workload."))
	}
	if line != "" {
		m = line + ": " + m
	}
	if len(msgs) > 1 {
		m += fmt.Sprintf(" (and %d more)", len(msgs)-1)
	}
	return errors.New(m)
}

// apply sets one field of spec by its path, checking it as strictly as a
// workload file.
func apply(spec Spec, o Override) (Spec, error) {
	var root yaml.Node
	if err := root.Encode(spec); err != nil {
		return spec, fmt.Errorf("encoding workload: %w", err)
	}
	segs := strings.Split(o.Path, ".")
	n := &root
	for i, seg := range segs {
		if n.Kind == yaml.ScalarNode && path.Join(segs[:i]...) == "values/size" {
			// A fixed size is written as a number; expand it to {min, max}.
			v := n.Value
			*n = yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "min"}, {Kind: yaml.ScalarNode, Value: v},
				{Kind: yaml.ScalarNode, Value: "max"}, {Kind: yaml.ScalarNode, Value: v},
			}}
		}
		if n.Kind != yaml.MappingNode {
			return spec, invalid("%s %s=%s: %s is not a section", o.Origin, o.Path, o.Value, strings.Join(segs[:i], "."))
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == seg {
				next = n.Content[j+1]
			}
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: seg}, next)
		}
		n = next
	}
	var val yaml.Node
	if err := yaml.Unmarshal([]byte(o.Value), &val); err != nil || len(val.Content) != 1 {
		*n = yaml.Node{Kind: yaml.ScalarNode, Value: o.Value}
	} else {
		*n = *val.Content[0]
	}
	out, err := yaml.Marshal(&root)
	if err != nil {
		return spec, fmt.Errorf("encoding workload: %w", err)
	}
	next := Default()
	if err := decodeStrict(out, &next); err != nil {
		// Line numbers of the generated YAML mean nothing to the user.
		msg := reLeadingLine.ReplaceAllString(err.Error(), "")
		return spec, invalid("%s %s=%s: %s", o.Origin, o.Path, o.Value, msg)
	}
	return next, nil
}

// envFlags maps environment variables to workload paths. Each corresponds
// to the run flag of the same name.
var envFlags = []struct{ env, path string }{
	{"STATEBENCH_DRIVER", "driver.name"},
	{"STATEBENCH_TARGET", "driver.target"},
	{"STATEBENCH_RECORDS", "records"},
	{"STATEBENCH_DURATION", "phases.duration"},
	{"STATEBENCH_WARMUP", "phases.warmup"},
	{"STATEBENCH_CONCURRENCY", "load.concurrency"},
	{"STATEBENCH_SEED", "seed"},
}

// EnvOverrides reads the workload's environment layer: STATEBENCH_DRIVER,
// _TARGET, _RECORDS, _DURATION, _WARMUP, _CONCURRENCY, _SEED, _RATE (as
// --rate), and STATEBENCH_SET (path=value pairs separated by ";").
func EnvOverrides(lookup func(string) (string, bool)) []Override {
	var out []Override
	for _, e := range envFlags {
		if v, ok := lookup(e.env); ok && v != "" {
			out = append(out, Override{Path: e.path, Value: v, Origin: e.env})
		}
	}
	if v, ok := lookup("STATEBENCH_RATE"); ok && v != "" {
		out = append(out, RateOverrides(v, "STATEBENCH_RATE")...)
	}
	if v, ok := lookup("STATEBENCH_SET"); ok {
		for _, kv := range strings.Split(v, ";") {
			if kv = strings.TrimSpace(kv); kv == "" {
				continue
			}
			p, val, _ := strings.Cut(kv, "=")
			out = append(out, Override{Path: strings.TrimSpace(p), Value: val, Origin: "STATEBENCH_SET"})
		}
	}
	return out
}

// RateOverrides returns the overrides of --rate N: a rate above 0 makes the
// loop open at that rate, 0 makes it closed.
func RateOverrides(v, origin string) []Override {
	model := Open
	if strings.TrimSpace(v) == "0" {
		model = Closed
	}
	return []Override{{Path: "load.model", Value: model, Origin: origin}, {Path: "load.rate", Value: v, Origin: origin}}
}

// ParseSet parses a --set argument "path=value".
func ParseSet(arg string) (Override, error) {
	p, v, ok := strings.Cut(arg, "=")
	if !ok || p == "" {
		return Override{}, invalid("--set %q: want path=value, for example --set load.rate=5000", arg)
	}
	return Override{Path: p, Value: v, Origin: "--set"}, nil
}
