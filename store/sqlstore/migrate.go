package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/statebench/statebench/store"
)

// migration is one embedded schema migration.
type migration struct {
	version int
	name    string
	sql     string
}

func (d *Dialect) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(d.Migrations, ".")
	if err != nil {
		return nil, fmt.Errorf("reading %s migrations: %w", d.Name, err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s migration %s: name must start with its version, NNNN_", d.Name, e.Name())
		}
		b, err := fs.ReadFile(d.Migrations, e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading %s migration %s: %w", d.Name, e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("%s migration %s: want version %d: versions must follow each other from 1", d.Name, m.name, i+1)
		}
	}
	return ms, nil
}

// Latest returns the schema version this build writes.
func (d *Dialect) Latest() (int, error) {
	ms, err := d.migrations()
	return len(ms), err
}

// Version returns the schema version of the database: 0 when it holds no
// table at all. A database written by a newer statebench wraps
// store.ErrNewerDatabase, one that belongs to something else
// store.ErrNotStatebench. Version only reads.
func (d *Dialect) Version(ctx context.Context, db *sql.DB) (int, error) {
	tables, err := d.Tables(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("reading the %s schema: %w", d.Name, err)
	}
	if !slices.Contains(tables, "statebench_schema") {
		if d.Foreign(tables) {
			return 0, fmt.Errorf("%w: it holds tables %s", store.ErrNotStatebench, strings.Join(first(tables, 5), ", "))
		}
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(version) FROM statebench_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	return d.checkVersion(int(v.Int64))
}

func (d *Dialect) checkVersion(v int) (int, error) {
	latest, err := d.Latest()
	if err != nil {
		return 0, err
	}
	if v > latest {
		return v, fmt.Errorf("%w: schema version %d, this statebench knows up to %d; upgrade statebench", store.ErrNewerDatabase, v, latest)
	}
	return v, nil
}

func first(s []string, n int) []string {
	slices.Sort(s)
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}

// Migrate brings the database's schema to the latest version, in one
// transaction, and refuses a newer or foreign database without changing
// it. Several processes may migrate at once: the dialect serialises them.
func (d *Dialect) Migrate(ctx context.Context, db *sql.DB) error {
	return d.MigrateTo(ctx, db, 0)
}

// MigrateTo is Migrate up to version (0: the latest), for tests of a
// database an older statebench wrote.
func (d *Dialect) MigrateTo(ctx context.Context, db *sql.DB, version int) (err error) {
	if _, err := d.Version(ctx, db); err != nil {
		return err
	}
	ms, err := d.migrations()
	if err != nil {
		return err
	}
	if version > 0 && version < len(ms) {
		ms = ms[:version]
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating the results database: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	if d.LockMigrations != nil {
		if err := d.LockMigrations(ctx, tx); err != nil {
			return fmt.Errorf("locking the results database for migration: %w", err)
		}
	}
	// Read the version again under the lock: another process may have
	// migrated since.
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS statebench_schema (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("creating statebench_schema: %w", err)
	}
	var cur sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(version) FROM statebench_schema").Scan(&cur); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if _, err := d.checkVersion(int(cur.Int64)); err != nil {
		return err
	}
	for _, m := range ms[min(int(cur.Int64), len(ms)):] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("applying migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind("INSERT INTO statebench_schema (version, applied_ns) VALUES (?, ?)"), m.version, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("recording migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing migrations: %w", err)
	}
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
