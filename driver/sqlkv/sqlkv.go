// Package sqlkv is the key-value table model that the SQL drivers (postgres
// and mysql) share: one table with a binary primary key and either one binary
// value column or YCSB's N field columns, the options that name and shape it,
// and how a value is split into fields and joined again.
//
// The SQL itself stays in each driver: the dialects differ in every statement.
package sqlkv

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
)

// Column names. The key column is YCSB's, so that peers that speak YCSB can
// be pointed at the same table.
const (
	KeyColumn   = "ycsb_key"
	ValueColumn = "ycsb_value" // the value column of the single layout
)

// DefaultTable is the table used when no table option is given.
const DefaultTable = "usertable"

// Marker is the comment statebench puts on a table it created. Cleanup drops
// a table only when it carries this comment, so a user's own table is never
// dropped.
const Marker = "created by statebench"

// Layout is how a value is stored.
type Layout string

// The layouts.
const (
	// Single stores a value in one binary column.
	Single Layout = "single"
	// Fields stores a value split into Fields columns field0..fieldN-1, as
	// YCSB's usertable does.
	Fields Layout = "fields"
)

// Option names read by Parse. Drivers remove them from the target URL before
// handing it to their client library.
const (
	OptTable  = "table"
	OptLayout = "layout"
	OptFields = "fields"
)

// ModelOptions are the option names of the table model.
var ModelOptions = []string{OptTable, OptLayout, OptFields}

// maxFields bounds the fields layout: far beyond YCSB's 10, well within
// every dialect's column limit.
const maxFields = 256

var empty = []byte{}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Model is the table model: which table and how values are laid out in it.
type Model struct {
	Table  string
	Layout Layout
	// Fields is the number of value columns of the fields layout; 1 for the
	// single layout.
	Fields int
}

// Parse reads the model from driver options: table (default usertable),
// layout (single or fields, default single) and fields (the workload's
// values.fields, used by the fields layout; default 10 as in YCSB).
func Parse(opts map[string]string) (Model, error) {
	m := Model{Table: DefaultTable, Layout: Single, Fields: 1}
	if t, ok := opts[OptTable]; ok {
		if !identRE.MatchString(t) {
			return Model{}, fmt.Errorf("option table=%q: want a plain identifier (letters, digits, underscore; at most 63)", t)
		}
		m.Table = t
	}
	if l, ok := opts[OptLayout]; ok {
		switch Layout(l) {
		case Single, Fields:
			m.Layout = Layout(l)
		default:
			return Model{}, fmt.Errorf("option layout=%q: want single or fields", l)
		}
	}
	if m.Layout == Fields {
		m.Fields = 10
		if f, ok := opts[OptFields]; ok {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > maxFields {
				return Model{}, fmt.Errorf("option fields=%q: want a number from 1 to %d", f, maxFields)
			}
			m.Fields = n
		}
	}
	return m, nil
}

// Columns returns the value columns in order.
func (m Model) Columns() []string {
	if m.Layout != Fields {
		return []string{ValueColumn}
	}
	cols := make([]string, m.Fields)
	for i := range cols {
		cols[i] = "field" + strconv.Itoa(i)
	}
	return cols
}

// Split appends value, cut into len(m.Columns()) consecutive parts of nearly
// equal length, to dst. The parts alias value. Joining them in order gives
// value back byte for byte; parts of a short value may be empty but are
// never nil, since client libraries send a nil slice as NULL.
func (m Model) Split(dst [][]byte, value []byte) [][]byte {
	if value == nil {
		value = empty
	}
	n := 1
	if m.Layout == Fields {
		n = m.Fields
	}
	for i := 0; i < n; i++ {
		dst = append(dst, value[i*len(value)/n:(i+1)*len(value)/n])
	}
	return dst
}

// Options merges the driver options with the target URL's query parameters
// named in names, which take precedence, and removes those parameters from
// u so that the client library never sees them. base is not modified.
func Options(u *url.URL, base map[string]string, names ...string) map[string]string {
	opts := make(map[string]string, len(base)+len(names))
	for k, v := range base {
		opts[k] = v
	}
	q := u.Query()
	for _, n := range names {
		if q.Has(n) {
			opts[n] = q.Get(n)
			q.Del(n)
		}
	}
	u.RawQuery = q.Encode()
	return opts
}
