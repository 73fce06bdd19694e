package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
)

// Resolve implements store.Reader.
func (s *Store) Resolve(ctx context.Context, ref, benchmark string) (string, error) {
	r, err := store.ParseRef(ref)
	if err != nil {
		return "", err
	}
	where, args := "", []any{}
	if benchmark != "" {
		where, args = " AND benchmark = ?", append(args, benchmark)
	}
	in := ""
	if benchmark != "" {
		in = " of benchmark " + benchmark
	}
	if r.Prefix == "" {
		var id string
		err := s.db.QueryRowContext(ctx, s.d.rebind("SELECT id FROM runs WHERE 1 = 1"+where+" ORDER BY started_ns DESC, id DESC LIMIT 1 OFFSET ?"), append(args, r.Back)...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("resolving %s: %w%s", ref, store.ErrNotFound, in)
		}
		if err != nil {
			return "", fmt.Errorf("resolving %s: %w", ref, err)
		}
		return id, nil
	}
	const most = 10
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT id FROM runs WHERE upper(substr(id, 1, ?)) = upper(?)"+where+" ORDER BY id LIMIT ?"),
		append(append([]any{len(r.Prefix), r.Prefix}, args...), most+1)...)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", ref, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", fmt.Errorf("resolving %s: %w", ref, err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return "", fmt.Errorf("resolving %s: %w", ref, err)
	}
	for _, id := range ids {
		if strings.EqualFold(id, ref) {
			return id, nil
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("resolving %s: %w%s", ref, store.ErrNotFound, in)
	case 1:
		return ids[0], nil
	}
	if len(ids) > most {
		ids = append(ids[:most], "...")
	}
	return "", &store.AmbiguousError{Ref: ref, Candidates: ids}
}

// List implements store.Reader.
func (s *Store) List(ctx context.Context, q store.Query) ([]store.Summary, error) {
	var where []string
	var args []any
	if q.Benchmark != "" {
		where, args = append(where, "benchmark = ?"), append(args, q.Benchmark)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "started_ns >= ?"), append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		where, args = append(where, "started_ns < ?"), append(args, q.Until.UnixNano())
	}
	// A run reads as abandoned or running depending on its process, which
	// only Go can judge: both are stored as running, and filtered here.
	limit := q.Limit
	switch q.Status {
	case "":
	case result.Running, result.Abandoned:
		where = append(where, "status = 'running'")
		limit = 0
	default:
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	for k, v := range q.Labels {
		where = append(where, "EXISTS (SELECT 1 FROM labels l WHERE l.run_id = runs.id AND l.key = ? AND l.value = ?)")
		args = append(args, k, v)
	}
	for _, w := range q.Where {
		segs, err := w.Segments()
		if err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		// environment and workload may have columns of their own, small
		// and quick to read; anything else is in head.
		col := "head"
		if s.d.FilterColumns && len(segs) > 1 && (segs[0] == "environment" || segs[0] == "workload") {
			col, segs = segs[0], segs[1:]
		}
		expr := s.d.JSONText(col, segs)
		if p, ok := strings.CutSuffix(w.Value, "*"); ok {
			where, args = append(where, "substr("+expr+", 1, ?) = ?"), append(args, len(p), p)
		} else {
			where, args = append(where, expr+" = ?"), append(args, w.Value)
		}
	}
	sqlq := "SELECT " + runColumns + " FROM runs"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY started_ns DESC, id DESC"
	if limit > 0 {
		sqlq, args = sqlq+" LIMIT ?", append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(sqlq), args...)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	defer rows.Close()
	now := time.Now()
	var out []store.Summary
	for rows.Next() {
		sum, err := s.scanSummary(rows, now)
		if err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		if q.Status != "" && sum.Status != q.Status {
			continue
		}
		out = append(out, sum)
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

// scanSummary scans the runColumns of a row, judging a running run's
// owner at now.
func (s *Store) scanSummary(row scanner, now time.Time) (store.Summary, error) {
	var (
		sum                 store.Summary
		status, ops, labels string
		started, heartbeat  int64
		ended               sql.NullInt64
		owner               store.Owner
		ownerPID            int64
	)
	err := row.Scan(&sum.ID, &sum.Benchmark, &status, &sum.Error, &sum.Trigger, &started, &ended, &sum.Driver, &sum.Host,
		&sum.MeasureS, &sum.MainOp, &sum.ThroughputOpsS, &sum.P99Us, &ops, &labels, &owner.Host, &ownerPID, &owner.Start, &heartbeat)
	if err != nil {
		return sum, err
	}
	sum.Status = result.Status(status)
	sum.StartedAt = time.Unix(0, started).UTC()
	if ended.Valid {
		t := time.Unix(0, ended.Int64).UTC()
		sum.EndedAt = &t
	}
	if sum.Status == result.Running {
		owner.PID = int(ownerPID)
		if heartbeat != 0 {
			owner.Heartbeat = time.Unix(0, heartbeat)
		}
		if owner.Gone(now, s.opts.StaleAfter) {
			sum.Status = result.Abandoned
		}
	}
	if err := json.Unmarshal([]byte(ops), &sum.Ops); err != nil {
		return sum, fmt.Errorf("run %s: decoding ops: %w", sum.ID, err)
	}
	if len(sum.Ops) == 0 {
		sum.Ops = nil
	}
	if err := json.Unmarshal([]byte(labels), &sum.Labels); err != nil {
		return sum, fmt.Errorf("run %s: decoding labels: %w", sum.ID, err)
	}
	if len(sum.Labels) == 0 {
		sum.Labels = nil
	}
	return sum, nil
}

// withDoc scans the runColumns and then doc and doc_gz (NULL when the
// dialect has no such column).
type withDoc struct {
	row scanner
	doc *sql.NullString
	gz  *[]byte
}

func (w withDoc) Scan(dest ...any) error { return w.row.Scan(append(dest, w.doc, w.gz)...) }

// Get implements store.Reader.
func (s *Store) Get(ctx context.Context, id string) (*store.Run, error) {
	gzColumn := "NULL"
	if s.d.CompressDocs {
		gzColumn = "doc_gz"
	}
	row := s.db.QueryRowContext(ctx, s.d.rebind("SELECT "+runColumns+", doc, "+gzColumn+" FROM runs WHERE id = ?"), id)
	var (
		text sql.NullString
		gz   []byte
	)
	sum, err := s.scanSummary(withDoc{row: row, doc: &text, gz: &gz}, time.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading run %s: %w", id, err)
	}
	raw := []byte(text.String)
	if !text.Valid {
		if raw, err = decompress(gz); err != nil {
			return nil, fmt.Errorf("reading run %s: decompressing its document: %w", id, err)
		}
	}
	run := &store.Run{Summary: sum, Raw: raw, Doc: new(result.Document)}
	if err := json.Unmarshal(run.Raw, run.Doc); err != nil {
		return nil, fmt.Errorf("reading run %s: decoding its document: %w", id, err)
	}
	run.Doc.Status = sum.Status
	return run, nil
}

// Windows implements store.Reader.
func (s *Store) Windows(ctx context.Context, id string) ([]result.Window, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.d.rebind("SELECT 1 FROM runs WHERE id = ?"), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading the windows of run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the windows of run %s: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT "+windowColumns+" FROM windows WHERE run_id = ? ORDER BY idx, op"), id)
	if err != nil {
		return nil, fmt.Errorf("reading the windows of run %s: %w", id, err)
	}
	defer rows.Close()
	ws := []result.Window{}
	for rows.Next() {
		var (
			runID, op, phase, state string
			idx                     int
			w                       result.Window
			count, errs, notFound   sql.NullInt64
			byClass                 sql.NullString
			lat, ilat               [6]sql.NullFloat64
		)
		err := rows.Scan(&runID, &idx, &op, &w.StartS, &w.DurationS, &phase, &state, &w.Skipped, &count, &errs, &notFound, &byClass,
			&lat[0], &lat[1], &lat[2], &lat[3], &lat[4], &lat[5], &ilat[0], &ilat[1], &ilat[2], &ilat[3], &ilat[4], &ilat[5])
		if err != nil {
			return nil, fmt.Errorf("reading the windows of run %s: %w", id, err)
		}
		if idx != len(ws)-1 {
			if idx != len(ws) {
				return nil, fmt.Errorf("reading the windows of run %s: window %d follows window %d", id, idx, len(ws)-1)
			}
			w.Phase, w.State = phase, state
			ws = append(ws, w)
		}
		if op == "" {
			continue
		}
		cur := &ws[idx]
		if cur.Ops == nil {
			cur.Ops = make(map[string]result.WindowOp)
		}
		wop := result.WindowOp{Count: count.Int64, Errors: errs.Int64, NotFound: notFound.Int64, LatencyUs: latency(lat), IntendedLatencyUs: latency(ilat)}
		if byClass.Valid {
			if err := json.Unmarshal([]byte(byClass.String), &wop.ErrorsByClass); err != nil {
				return nil, fmt.Errorf("reading the windows of run %s: window %d: %w", id, idx, err)
			}
		}
		cur.Ops[op] = wop
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the windows of run %s: %w", id, err)
	}
	return ws, nil
}

func latency(f [6]sql.NullFloat64) *result.Latency {
	if !f[0].Valid {
		return nil
	}
	return &result.Latency{P50: f[0].Float64, P90: f[1].Float64, P99: f[2].Float64, P999: f[3].Float64, Max: f[4].Float64, Mean: f[5].Float64}
}
