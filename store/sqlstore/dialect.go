// Package sqlstore implements store.Store over database/sql, once for every
// SQL backend: a backend (store/sqlite, store/postgres) brings a Dialect —
// its placeholders, its JSON operators, its migrations and how it locks
// them — and opens its database/sql handle.
package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
	"strconv"
	"strings"
)

// Dialect is what differs between SQL backends.
type Dialect struct {
	// Name names the backend in errors: "sqlite", "postgres".
	Name string
	// Migrations holds the schema migrations, files named NNNN_what.sql,
	// applied in order of NNNN, each once, forward only.
	Migrations fs.FS
	// Numbered placeholders ($1, $2) instead of '?'.
	Numbered bool
	// JSONText returns an SQL expression for the text of the JSON value
	// at path in column col (NULL when absent). path's names are checked
	// to be letters, digits, '_' and '-'.
	JSONText func(col string, path []string) string
	// Tables returns the names of the tables the database holds (in the
	// schema a statebench store would use).
	Tables func(ctx context.Context, db *sql.DB) ([]string, error)
	// Foreign reports whether tables, the tables of a database without
	// statebench_schema, show it belongs to something else.
	Foreign func(tables []string) bool
	// LockMigrations serialises migrating processes in tx; nil when
	// beginning a transaction already does.
	LockMigrations func(ctx context.Context, tx *sql.Tx) error
	// MaxParams bounds the parameters of one statement.
	MaxParams int
	// CompressDocs stores documents gzip-compressed in the column doc_gz,
	// doc NULL, rather than as text in doc (the only column for them
	// when false).
	CompressDocs bool
	// FilterColumns: the document's environment and workload are also
	// in columns of their own, environment and workload, which --where
	// reads for their paths instead of head. Worth it when reading head
	// is slow (PostgreSQL decompresses it row by row); not in SQLite,
	// where columns added after doc are read by walking past it.
	FilterColumns bool
	// BulkInsert, when not nil, writes n rows into table within the
	// transaction open on conn, faster than multi-row INSERTs
	// (PostgreSQL: COPY). row(i) returns row i's values of columns, in
	// a slice that is valid until the next call. When nil, the rows go in
	// INSERT statements of at most MaxParams parameters.
	BulkInsert func(ctx context.Context, conn *sql.Conn, table string, columns []string, n int, row func(i int) ([]any, error)) error
}

// rebind rewrites '?' placeholders for the dialect.
func (d *Dialect) rebind(q string) string {
	if !d.Numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
