// Package postgres is the shared results store: PostgreSQL, for a team or a
// fleet of machines writing to one history. It is selected by a
// postgres:// URL; the URL's search_path parameter picks the schema
// (default: the user's), which must be empty or hold a statebench store.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's SQL dialect.
var Dialect = &sqlstore.Dialect{
	Name:       "postgres",
	Migrations: must(fs.Sub(migrations, "migrations")),
	Numbered:   true,
	JSONText: func(col string, path []string) string {
		return "(" + col + " #>> '{" + strings.Join(path, ",") + "}')"
	},
	Tables: func(ctx context.Context, db *sql.DB) ([]string, error) {
		rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
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
	// A shared database holds other applications' tables; only tables
	// named like ours without statebench_schema are somebody else's store.
	Foreign: func(tables []string) bool {
		return slices.ContainsFunc(tables, func(t string) bool { return t == "runs" || t == "windows" || t == "labels" })
	},
	LockMigrations: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('statebench_schema'))")
		return err
	},
	MaxParams:     65535,
	CompressDocs:  true,
	FilterColumns: true,
	BulkInsert:    copyFrom,
}

// copyFrom writes rows into table with COPY, through the pgx connection
// under conn, in the transaction open on it.
func copyFrom(ctx context.Context, conn *sql.Conn, table string, columns []string, n int, row func(i int) ([]any, error)) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copying into %s: the connection is a %T, not pgx's", table, dc)
		}
		// pgx encodes each row before asking for the next one.
		copied, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, row))
		if err != nil {
			return fmt.Errorf("copying into %s: %w", table, err)
		}
		if copied != int64(n) {
			return fmt.Errorf("copying into %s: %d rows copied of %d", table, copied, n)
		}
		return nil
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// name names the database at url in errors, without its credentials.
func name(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "the PostgreSQL results database"
	}
	return "PostgreSQL results database " + u.Host + u.Path
}

// Open connects to the PostgreSQL results store at url and brings its
// schema up to date. A schema written by a newer statebench, or holding
// another application's tables of the same names, is refused unchanged.
func Open(ctx context.Context, dsn string, logger *slog.Logger, opts store.Options) (*sqlstore.Store, error) {
	where := name(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", where, err)
	}
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("connecting to %s: %w", where, err), db.Close())
	}
	if err := Dialect.Migrate(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("opening %s: %w", where, err), db.Close())
	}
	return sqlstore.New(db, Dialect, where, logger, opts), nil
}
