package sqlkv

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		opts    map[string]string
		want    Model
		wantErr string // a part of the error; "" for none
	}{
		// No options: YCSB's table name, one value column.
		{"defaults", nil, Model{Table: "usertable", Layout: Single, Fields: 1}, ""},
		// The single layout ignores the fields the engine passes.
		{"single ignores fields", map[string]string{"fields": "10"}, Model{Table: "usertable", Layout: Single, Fields: 1}, ""},
		// The fields layout takes the workload's values.fields.
		{"fields", map[string]string{"layout": "fields", "fields": "3", "table": "kv_2"}, Model{Table: "kv_2", Layout: Fields, Fields: 3}, ""},
		// Without a field count, YCSB's 10.
		{"fields default", map[string]string{"layout": "fields"}, Model{Table: "usertable", Layout: Fields, Fields: 10}, ""},
		// A table name that would need quoting is refused, naming the option.
		{"table with space", map[string]string{"table": "my table"}, Model{}, "option table="},
		{"table starting with digit", map[string]string{"table": "1t"}, Model{}, "option table="},
		{"table too long", map[string]string{"table": strings.Repeat("t", 64)}, Model{}, "option table="},
		// An unknown layout is refused.
		{"bad layout", map[string]string{"layout": "json"}, Model{}, "option layout="},
		// A field count out of range is refused.
		{"zero fields", map[string]string{"layout": "fields", "fields": "0"}, Model{}, "option fields="},
		{"too many fields", map[string]string{"layout": "fields", "fields": "1000"}, Model{}, "option fields="},
		{"fields not a number", map[string]string{"layout": "fields", "fields": "ten"}, Model{}, "option fields="},
	}
	for _, c := range cases {
		got, err := Parse(c.opts)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: Parse(%v) = %v, want %+v", c.name, c.opts, err, c.want)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: Parse(%v) = %+v, %v; want an error containing %q", c.name, c.opts, got, err, c.wantErr)
		case c.wantErr == "" && got != c.want:
			t.Errorf("%s: Parse(%v) = %+v, want %+v", c.name, c.opts, got, c.want)
		}
	}
}

func TestColumns(t *testing.T) {
	if got, want := (Model{Layout: Single, Fields: 1}).Columns(), []string{"ycsb_value"}; !reflect.DeepEqual(got, want) {
		t.Errorf("single Columns() = %v, want %v", got, want)
	}
	if got, want := (Model{Layout: Fields, Fields: 3}).Columns(), []string{"field0", "field1", "field2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fields Columns() = %v, want %v", got, want)
	}
}

func TestSplit(t *testing.T) {
	cases := []struct {
		name  string
		m     Model
		value []byte
		want  []string
	}{
		// The single layout keeps the value whole.
		{"single", Model{Layout: Single, Fields: 1}, []byte("abcdef"), []string{"abcdef"}},
		// Parts of nearly equal length, in order.
		{"even", Model{Layout: Fields, Fields: 3}, []byte("abcdef"), []string{"ab", "cd", "ef"}},
		{"uneven", Model{Layout: Fields, Fields: 3}, []byte("abcdefg"), []string{"ab", "cd", "efg"}},
		// A value shorter than the field count leaves some parts empty.
		{"short", Model{Layout: Fields, Fields: 4}, []byte("ab"), []string{"", "a", "", "b"}},
		// An empty value gives empty parts.
		{"empty", Model{Layout: Fields, Fields: 2}, []byte{}, []string{"", ""}},
		{"nil", Model{Layout: Single, Fields: 1}, nil, []string{""}},
	}
	for _, c := range cases {
		parts := c.m.Split(nil, c.value)
		var got []string
		for _, p := range parts {
			if p == nil {
				t.Errorf("%s: Split(%q) has a nil part, which client libraries send as NULL", c.name, c.value)
			}
			got = append(got, string(p))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Split(%q) = %q, want %q", c.name, c.value, got, c.want)
		}
		if j := bytes.Join(parts, nil); !bytes.Equal(j, c.value) {
			t.Errorf("%s: joined parts of %q = %q, want the value back", c.name, c.value, j)
		}
	}
}

func TestOptions(t *testing.T) {
	u, _ := url.Parse("postgres://h/db?sslmode=disable&table=kv&layout=fields&work_mem=64MB")
	base := map[string]string{"table": "from_workload", "fields": "10"}
	got := Options(u, base, ModelOptions...)
	want := map[string]string{"table": "kv", "layout": "fields", "fields": "10"}
	// The URL's parameters win over the workload's options.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Options = %v, want %v", got, want)
	}
	// The driver's own parameters leave the URL; the library's stay.
	if q := u.Query(); q.Has("table") || q.Has("layout") || q.Get("sslmode") != "disable" || q.Get("work_mem") != "64MB" {
		t.Errorf("URL query after Options = %q, want sslmode and work_mem only", u.RawQuery)
	}
	// The caller's map is not modified.
	if base["table"] != "from_workload" || len(base) != 2 {
		t.Errorf("Options modified its base map: %v", base)
	}
}
