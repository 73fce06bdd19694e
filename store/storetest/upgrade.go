package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlstore"
)

// UpgradeFromV1 checks that a run written by schema version 1 (the
// first statebench) reads the same once the database is upgraded: db is
// an empty database of dialect d, and open opens a Store on it, migrating
// it to the latest version.
func UpgradeFromV1(t *testing.T, d *sqlstore.Dialect, db *sql.DB, open func(t *testing.T) store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := d.MigrateTo(ctx, db, 1); err != nil {
		t.Fatalf("MigrateTo(1) = %v", err)
	}
	doc := Doc(ID(90), "kv", t0, 3, 2)
	doc.Environment.Kernel = "6.1.77"
	doc.Workload.Load.Concurrency = 48
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	h := *doc
	h.Windows, h.Histograms = nil, nil
	head, err := json.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	sum := store.Summarize(doc)
	cols := "id, benchmark, status, error, run_trigger, started_ns, ended_ns, driver, host, measure_s, main_op, throughput_ops_s, p99_us, " +
		"ops, labels, owner_host, owner_pid, owner_start, heartbeat_ns, schema_version, head, doc, stored_ns"
	args := []any{doc.ID, doc.Benchmark, string(doc.Status), doc.Error, doc.Trigger, doc.StartedAt.UnixNano(), doc.EndedAt.UnixNano(),
		sum.Driver, sum.Host, sum.MeasureS, sum.MainOp, sum.ThroughputOpsS, sum.P99Us,
		jsonOf(t, doc.Ops), jsonOf(t, doc.Labels), "", 0, "", 0, doc.SchemaVersion, string(head), string(raw), 0}
	ph := make([]string, len(args))
	for i := range ph {
		ph[i] = "?"
		if d.Numbered {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO runs ("+cols+") VALUES ("+strings.Join(ph, ", ")+")", args...); err != nil {
		t.Fatalf("storing a run the version 1 way: %v", err)
	}

	s := open(t)
	defer s.Close()
	latest, err := d.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.Version(ctx, db); err != nil || v != latest {
		t.Errorf("Version() after opening = %d, %v; want %d", v, err, latest)
	}
	run, err := s.Get(ctx, doc.ID)
	if err != nil {
		t.Fatalf("Get(a run of version 1) = %v", err)
	}
	if !bytes.Equal(run.Raw, raw) || run.Status != result.Completed {
		t.Errorf("Get(a run of version 1) = %s, %d bytes; want completed, its %d bytes unchanged", run.Status, len(run.Raw), len(raw))
	}
	for _, w := range []store.Where{{Path: "environment.kernel", Value: "6.1.77"}, {Path: "workload.load.concurrency", Value: "48"}, {Path: "environment.kernel", Value: "6.1.7*"}} {
		got, err := s.List(ctx, store.Query{Where: []store.Where{w}})
		if err != nil || !slices.Equal(ids(got), []string{doc.ID}) {
			t.Errorf("List(where %s=%s) after the upgrade = %v, %v; want [%s]", w.Path, w.Value, ids(got), err, doc.ID)
		}
	}
}
