package sqlstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
)

// Store is a results store over a database/sql handle.
type Store struct {
	db   *sql.DB
	d    *Dialect
	name string
	log  *slog.Logger
	opts store.Options
	self store.Owner

	// mu guards open, the runs this Store has begun and not finished: the
	// heartbeat goroutine marks them alive.
	mu struct {
		sync.Mutex
		open map[string]struct{}
	}
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// New returns a Store over db, whose schema the caller has migrated (see
// Dialect.Migrate). name names the database in the errors of writes
// (its file, or its host and database), so that a full disk or a
// read-only store says which. The Store owns db and closes it on Close.
func New(db *sql.DB, d *Dialect, name string, logger *slog.Logger, opts store.Options) *Store {
	s := &Store{db: db, d: d, name: name, log: logger, opts: opts.WithDefaults(), self: store.Self(time.Now()), stop: make(chan struct{})}
	s.mu.open = make(map[string]struct{})
	s.wg.Add(1)
	go s.heartbeat()
	return s
}

// DB returns the database handle, for tests and benchmarks that measure it.
func (s *Store) DB() *sql.DB { return s.db }

// heartbeat marks the open runs alive every HeartbeatInterval until Close.
func (s *Store) heartbeat() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			ids := make([]any, 0, len(s.mu.open))
			for id := range s.mu.open {
				ids = append(ids, id)
			}
			s.mu.Unlock()
			if len(ids) == 0 {
				continue
			}
			q := "UPDATE runs SET heartbeat_ns = ? WHERE status = 'running' AND id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
			ctx, cancel := context.WithTimeout(context.Background(), s.opts.HeartbeatInterval)
			_, err := s.db.ExecContext(ctx, s.d.rebind(q), append([]any{now.UnixNano()}, ids...)...)
			cancel()
			if err != nil {
				s.log.Warn("heartbeating running runs", "component", "store", "err", err)
			}
		}
	}
}

// Close stops the heartbeat and closes the database. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.wg.Wait()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// Begin implements store.Writer.
func (s *Store) Begin(ctx context.Context, doc *result.Document) error {
	if err := store.Check(doc); err != nil {
		return fmt.Errorf("beginning run: %w", err)
	}
	if doc.Status != result.Running {
		return fmt.Errorf("beginning run %s: status %q, want running", doc.ID, doc.Status)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding run %s: %w", doc.ID, err)
	}
	owner := s.self
	owner.Heartbeat = time.Now()
	added, err := s.insert(ctx, doc, raw, owner, false)
	if err != nil {
		return fmt.Errorf("storing run %s in %s: %w", doc.ID, s.name, err)
	}
	if !added {
		return fmt.Errorf("storing run %s in %s: a run with this id is already stored", doc.ID, s.name)
	}
	s.mu.Lock()
	s.mu.open[doc.ID] = struct{}{}
	s.mu.Unlock()
	return nil
}

// Finish implements store.Writer.
func (s *Store) Finish(ctx context.Context, doc *result.Document) error {
	if err := store.Check(doc); err != nil {
		return fmt.Errorf("finishing run: %w", err)
	}
	if doc.Status == result.Running || doc.Status == result.Abandoned {
		return fmt.Errorf("finishing run %s: status %q, want completed, interrupted or failed", doc.ID, doc.Status)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding run %s: %w", doc.ID, err)
	}
	if _, err := s.insert(ctx, doc, raw, store.Owner{}, true); err != nil {
		return fmt.Errorf("storing run %s in %s: %w", doc.ID, s.name, err)
	}
	s.mu.Lock()
	delete(s.mu.open, doc.ID)
	s.mu.Unlock()
	return nil
}

// Import implements store.Writer.
func (s *Store) Import(ctx context.Context, raw []byte) (bool, error) {
	doc, err := store.Decode(raw)
	if err != nil {
		return false, err
	}
	added, err := s.insert(ctx, doc, raw, store.Owner{}, false)
	if err != nil {
		return false, fmt.Errorf("storing run %s in %s: %w", doc.ID, s.name, err)
	}
	return added, nil
}

const runColumns = "id, benchmark, status, error, run_trigger, started_ns, ended_ns, driver, host, measure_s, main_op, throughput_ops_s, p99_us, ops, labels, owner_host, owner_pid, owner_start, heartbeat_ns"

// insert writes the run in one transaction: inserting it, or, with
// replace, replacing a stored one with the same id. Without replace it
// reports false and changes nothing when the id is already stored.
func (s *Store) insert(ctx context.Context, doc *result.Document, raw []byte, owner store.Owner, replace bool) (added bool, err error) {
	sum := store.Summarize(doc)
	ops, err := json.Marshal(orEmpty(doc.Ops))
	if err != nil {
		return false, fmt.Errorf("encoding ops: %w", err)
	}
	labels, err := json.Marshal(orEmpty(doc.Labels))
	if err != nil {
		return false, fmt.Errorf("encoding labels: %w", err)
	}
	// head is the document without its bulk, for --where filters.
	h := *doc
	h.Windows, h.Histograms = nil, nil
	head, err := json.Marshal(&h)
	if err != nil {
		return false, fmt.Errorf("encoding head: %w", err)
	}
	var ended any
	if doc.EndedAt != nil {
		ended = doc.EndedAt.UnixNano()
	}
	var heartbeat int64
	if !owner.Heartbeat.IsZero() {
		heartbeat = owner.Heartbeat.UnixNano()
	}
	cols := runColumns + ", schema_version, head, stored_ns"
	args := []any{
		doc.ID, doc.Benchmark, string(doc.Status), doc.Error, doc.Trigger, doc.StartedAt.UnixNano(), ended,
		sum.Driver, sum.Host, sum.MeasureS, sum.MainOp, sum.ThroughputOpsS, sum.P99Us, string(ops), string(labels),
		owner.Host, owner.PID, owner.Start, heartbeat,
		doc.SchemaVersion, string(head), time.Now().UnixNano(),
	}
	if s.d.CompressDocs {
		gz, err := compress(raw)
		if err != nil {
			return false, fmt.Errorf("compressing the document: %w", err)
		}
		cols, args = cols+", doc, doc_gz", append(args, nil, gz)
	} else {
		cols, args = cols+", doc", append(args, string(raw))
	}
	if s.d.FilterColumns {
		environment, err := json.Marshal(&doc.Environment)
		if err != nil {
			return false, fmt.Errorf("encoding environment: %w", err)
		}
		workload, err := json.Marshal(&doc.Workload)
		if err != nil {
			return false, fmt.Errorf("encoding workload: %w", err)
		}
		cols, args = cols+", environment, workload", append(args, string(environment), string(workload))
	}
	q := "INSERT INTO runs (" + cols + ") VALUES (?" + strings.Repeat(", ?", len(args)-1) + ")"
	if replace {
		var set []string
		for _, c := range strings.Split(cols, ", ") {
			if c != "id" {
				set = append(set, c+" = excluded."+c)
			}
		}
		q += " ON CONFLICT (id) DO UPDATE SET " + strings.Join(set, ", ")
	} else {
		q += " ON CONFLICT (id) DO NOTHING"
	}

	// One connection for the transaction, which a dialect's BulkInsert
	// writes through.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	res, err := tx.ExecContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 0 {
		return false, tx.Commit()
	}
	if replace {
		for _, t := range []string{"windows", "labels"} {
			if _, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM "+t+" WHERE run_id = ?"), doc.ID); err != nil {
				return false, err
			}
		}
	}
	for k, v := range doc.Labels {
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO labels (run_id, key, value) VALUES (?, ?, ?)"), doc.ID, k, v); err != nil {
			return false, err
		}
	}
	if err := s.insertWindows(ctx, conn, tx, doc); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// compress returns raw gzip-compressed, fast rather than small: a
// document is mostly digits, which compress tenfold even so.
func compress(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(raw) / 8)
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decompress returns the document gz holds.
func decompress(gz []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func orEmpty[M ~map[K]V, K comparable, V any](m M) M {
	if m == nil {
		return M{}
	}
	return m
}

const windowColumns = "run_id, idx, op, start_s, duration_s, phase, state, skipped, count, errors, not_found, errors_by_class, " +
	"p50_us, p90_us, p99_us, p999_us, max_us, mean_us, ip50_us, ip90_us, ip99_us, ip999_us, imax_us, imean_us"

const nWindowColumns = 24

// windowRows lists doc's window rows, one per window and operation (op
// "" for a window without operations), so that each can be built when
// written rather than all of them at once.
func windowRows(doc *result.Document) []windowRow {
	n := 0
	for _, w := range doc.Windows {
		n += max(len(w.Ops), 1)
	}
	rows := make([]windowRow, 0, n)
	for i, w := range doc.Windows {
		if len(w.Ops) == 0 {
			rows = append(rows, windowRow{i: i})
			continue
		}
		start := len(rows)
		for name := range w.Ops {
			rows = append(rows, windowRow{i: i, op: name})
		}
		slices.SortFunc(rows[start:], func(a, b windowRow) int { return strings.Compare(a.op, b.op) })
	}
	return rows
}

// windowRow is a row of the windows table: window i's operation op.
type windowRow struct {
	i  int
	op string
}

// values puts the row's values of windowColumns into r.
func (k windowRow) values(doc *result.Document, r []any) error {
	w := &doc.Windows[k.i]
	r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = doc.ID, k.i, k.op, w.StartS, w.DurationS, w.Phase, w.State, w.Skipped
	if k.op == "" {
		clear(r[8:]) // no figures: NULL
		return nil
	}
	op := w.Ops[k.op]
	var byClass any
	if op.ErrorsByClass != nil {
		b, err := json.Marshal(op.ErrorsByClass)
		if err != nil {
			return err
		}
		byClass = string(b)
	}
	r[8], r[9], r[10], r[11] = op.Count, op.Errors, op.NotFound, byClass
	putLatency(r[12:18], op.LatencyUs)
	putLatency(r[18:24], op.IntendedLatencyUs)
	return nil
}

// insertWindows writes doc's windows in tx, open on conn: with the
// dialect's BulkInsert when it has one, else many rows per INSERT.
func (s *Store) insertWindows(ctx context.Context, conn *sql.Conn, tx *sql.Tx, doc *result.Document) error {
	rows := windowRows(doc)
	if len(rows) == 0 {
		return nil
	}
	if s.d.BulkInsert != nil {
		r := make([]any, nWindowColumns)
		return s.d.BulkInsert(ctx, conn, "windows", strings.Split(windowColumns, ", "), len(rows), func(i int) ([]any, error) {
			return r, rows[i].values(doc, r)
		})
	}
	perStmt := s.d.MaxParams / nWindowColumns
	var stmt *sql.Stmt
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	args := make([]any, min(perStmt, len(rows))*nWindowColumns)
	for len(rows) > 0 {
		batch := rows[:min(perStmt, len(rows))]
		rows = rows[len(batch):]
		args = args[:len(batch)*nWindowColumns]
		for j, k := range batch {
			if err := k.values(doc, args[j*nWindowColumns:(j+1)*nWindowColumns]); err != nil {
				return err
			}
		}
		var err error
		if len(batch) < perStmt {
			_, err = tx.ExecContext(ctx, s.windowInsert(len(batch)), args...)
		} else {
			if stmt == nil {
				if stmt, err = tx.PrepareContext(ctx, s.windowInsert(perStmt)); err != nil {
					return err
				}
			}
			_, err = stmt.ExecContext(ctx, args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) windowInsert(rows int) string {
	row := "(?" + strings.Repeat(", ?", nWindowColumns-1) + ")"
	return s.d.rebind("INSERT INTO windows (" + windowColumns + ") VALUES " + row + strings.Repeat(", "+row, rows-1))
}

func putLatency(r []any, l *result.Latency) {
	if l == nil {
		clear(r)
		return
	}
	r[0], r[1], r[2], r[3], r[4], r[5] = l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean
}

// Delete implements store.Writer.
func (s *Store) Delete(ctx context.Context, id string) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("deleting run %s from %s: %w", id, s.name, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	res, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM runs WHERE id = ?"), id)
	if err != nil {
		return fmt.Errorf("deleting run %s from %s: %w", id, s.name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("deleting run %s from %s: %w", id, s.name, err)
	} else if n == 0 {
		return fmt.Errorf("deleting run %s: %w", id, store.ErrNotFound)
	}
	for _, t := range []string{"windows", "labels"} {
		if _, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM "+t+" WHERE run_id = ?"), id); err != nil {
			return fmt.Errorf("deleting run %s from %s: %w", id, s.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("deleting run %s from %s: %w", id, s.name, err)
	}
	return nil
}
