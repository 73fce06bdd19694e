// Package sqlite is the embedded results store: one SQLite file (by
// default $STATEBENCH_HOME/results.db), pure Go, in WAL mode so that a
// reader (serve) never waits for a writer (run), with a busy timeout so that
// several processes can write it at once.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlstore"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeoutMs is how long a statement waits for another process's write
// to finish before failing.
const busyTimeoutMs = 30000

// Dialect is SQLite's SQL dialect.
var Dialect = &sqlstore.Dialect{
	Name:       "sqlite",
	Migrations: must(fs.Sub(migrations, "migrations")),
	JSONText: func(col string, path []string) string {
		return "CAST(json_extract(" + col + `, '$."` + strings.Join(path, `"."`) + `"') AS TEXT)`
	},
	Tables: func(ctx context.Context, db *sql.DB) ([]string, error) {
		rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			names = append(names, n)
		}
		return names, rows.Err()
	},
	Foreign: func(tables []string) bool {
		return slices.ContainsFunc(tables, func(t string) bool { return !strings.HasPrefix(t, "sqlite_") })
	},
	// Transactions begin IMMEDIATE (see dsn): they hold the write lock
	// from the start, which serialises migrations.
	MaxParams: 32766,
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// header starts every SQLite database file.
var header = []byte("SQLite format 3\x00")

// Open opens, creating it if needed, the results database at path and
// brings its schema up to date. A file that is not a statebench results
// database, or one written by a newer statebench, is refused without being
// changed.
func Open(ctx context.Context, path string, logger *slog.Logger, opts store.Options) (*sqlstore.Store, error) {
	if err := inspect(ctx, path); err != nil {
		return nil, fmt.Errorf("opening results database %s: %w%s", path, err, why(path, err))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("opening results database: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, "_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"))
	if err != nil {
		return nil, fmt.Errorf("opening results database %s: %w", path, err)
	}
	if err := Dialect.Migrate(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("opening results database %s: %w%s", path, err, why(path, err)), db.Close())
	}
	return sqlstore.New(db, Dialect, "results database "+path, logger, opts), nil
}

// why explains an error of SQLite's about the database at path that
// does not say what went wrong ("disk I/O error", "unable to open
// database file") when the cause is its directory: full or read-only. It
// returns "" or "; " and the cause, found by writing a small file there.
func why(path string, err error) string {
	if errors.Is(err, store.ErrNotStatebench) || errors.Is(err, store.ErrNewerDatabase) {
		return ""
	}
	f, perr := os.CreateTemp(filepath.Dir(path), ".statebench-probe-*")
	if perr != nil {
		return "; its directory cannot be written: " + perr.Error()
	}
	_, perr = f.Write(make([]byte, 64<<10))
	if perr == nil {
		perr = f.Sync()
	}
	f.Close()
	os.Remove(f.Name())
	if perr != nil {
		return "; its directory cannot be written: " + perr.Error()
	}
	return ""
}

func dsn(path, params string) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	return u.String() + "?_busy_timeout=" + fmt.Sprint(busyTimeoutMs) + "&" + params
}

// inspect checks, read-only, that the file at path is absent, empty, or a
// statebench results database this version can write.
func inspect(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	head := make([]byte, len(header))
	n, err := io.ReadFull(f, head)
	f.Close()
	switch {
	case n == 0:
		return nil
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return err
	case !bytes.Equal(head[:n], header):
		return fmt.Errorf("%w: not an SQLite file", store.ErrNotStatebench)
	}
	db, err := sql.Open("sqlite", dsn(path, "mode=ro"))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = Dialect.Version(ctx, db)
	return err
}
