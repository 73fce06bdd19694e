package store

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/statebench/statebench/result"
)

// Decode decodes a result document from its JSON text, refusing one
// written by a newer statebench (ErrNewerSchema) and one that is not a
// result document (ErrMalformed).
func Decode(raw []byte) (*result.Document, error) {
	// The version is read first, so that a newer document is refused for
	// its version and not for a field this version cannot decode.
	var head struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if head.SchemaVersion == nil {
		return nil, fmt.Errorf("%w: no schema_version", ErrMalformed)
	}
	if v := *head.SchemaVersion; v > result.SchemaVersion {
		return nil, fmt.Errorf("%w: %d, this statebench reads up to %d; upgrade statebench", ErrNewerSchema, v, result.SchemaVersion)
	}
	var doc result.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := check(&doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// check refuses a document that cannot be stored.
func check(doc *result.Document) error {
	switch {
	case doc.ID == "":
		return fmt.Errorf("%w: no id", ErrMalformed)
	case doc.Benchmark == "":
		return fmt.Errorf("%w: run %s: no benchmark", ErrMalformed, doc.ID)
	case doc.StartedAt.IsZero():
		return fmt.Errorf("%w: run %s: no started_at", ErrMalformed, doc.ID)
	case doc.SchemaVersion > result.SchemaVersion:
		return fmt.Errorf("%w: %d, this statebench reads up to %d", ErrNewerSchema, doc.SchemaVersion, result.SchemaVersion)
	}
	for _, c := range doc.ID {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return fmt.Errorf("%w: id %q: only letters, digits, '-' and '_'", ErrMalformed, doc.ID)
		}
	}
	return nil
}

// Check refuses a document that cannot be stored: without id, benchmark
// or start time, or of a newer schema version. Backends call it before
// Begin and Finish.
func Check(doc *result.Document) error { return check(doc) }

// Summarize returns the indexed columns of doc, its status as written.
func Summarize(doc *result.Document) Summary {
	s := Summary{
		ID:        doc.ID,
		Benchmark: doc.Benchmark,
		Labels:    doc.Labels,
		Status:    doc.Status,
		Error:     doc.Error,
		Trigger:   doc.Trigger,
		StartedAt: doc.StartedAt,
		EndedAt:   doc.EndedAt,
		Driver:    doc.Environment.Driver,
		Host:      doc.Environment.Host,
		MeasureS:  doc.Measure.DurationS,
		Ops:       doc.Ops,
	}
	if s.Driver == "" {
		s.Driver = doc.Workload.Driver.Name
	}
	names := make([]string, 0, len(doc.Ops))
	for name := range doc.Ops {
		names = append(names, name)
	}
	sort.Strings(names)
	var most int64 = -1
	for _, name := range names {
		op := doc.Ops[name]
		s.ThroughputOpsS += op.ThroughputOpsS
		if op.Count > most {
			most = op.Count
			s.MainOp = name
		}
	}
	if s.MainOp != "" {
		if l := doc.Ops[s.MainOp].LatencyUs; l != nil {
			s.P99Us = l.P99
		}
	}
	return s
}
