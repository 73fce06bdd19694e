package cassandra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocql/gocql"

	"github.com/statebench/statebench/driver"
)

func TestParseConfig(t *testing.T) {
	base := driver.Config{Concurrency: 8, Timeout: 2 * time.Second}
	cases := []struct {
		name    string
		target  string
		opts    map[string]string
		check   func(c config) string
		wantErr string
	}{
		// Hosts without a port get 9042; the path is the keyspace.
		{name: "hosts and keyspace", target: "cassandra://h1,h2:9043/ks1", check: func(c config) string {
			return diff(c.hosts, []string{"h1:9042", "h2:9043"}, c.keyspace, "ks1", c.table, DefaultTable, c.timeout, 2*time.Second)
		}},
		// Without a path, the keyspace is statebench's own.
		{name: "default keyspace", target: "cassandra://h", check: func(c config) string {
			return diff(c.keyspace, DefaultKeyspace, c.readCL, gocql.LocalQuorum, c.writeCL, gocql.LocalQuorum, c.replication, replication{factor: 1})
		}},
		// consistency sets both levels; read_ and write_ override one each, in any case.
		{name: "consistency", target: "cassandra://h/ks?consistency=one&write_consistency=QUORUM", check: func(c config) string {
			return diff(c.readCL, gocql.One, c.writeCL, gocql.Quorum)
		}},
		// The URL's query wins over the workload's options.
		{name: "precedence", target: "cassandra://h/ks?read_consistency=ALL", opts: map[string]string{"read_consistency": "ONE", "table": "t2", "fields": "10"}, check: func(c config) string {
			return diff(c.readCL, gocql.All, c.table, "t2")
		}},
		// A bare replication factor is SimpleStrategy.
		{name: "simple replication", target: "cassandra://h/ks?replication=3", check: func(c config) string {
			return diff(c.replication, replication{factor: 3})
		}},
		// Factors per data centre are NetworkTopologyStrategy.
		{name: "nts replication", target: "cassandra://h/ks?replication=dc1:3,dc2:2&local_dc=dc1", check: func(c config) string {
			return diff(c.replication, replication{perDC: map[string]int{"dc1": 3, "dc2": 2}}, c.localDC, "dc1")
		}},
		// Credentials come from the URL.
		{name: "auth", target: "cassandra://u:p%2Fw@h/ks", check: func(c config) string {
			return diff(c.username, "u", c.password, "p/w")
		}},
		{name: "tuning", target: "cassandra://h/ks?conns_per_host=4&proto_version=4&timeout=750ms&load_workers=8", check: func(c config) string {
			return diff(c.connsPerHost, 4, c.protoVersion, 4, c.timeout, 750*time.Millisecond, c.loadWorkers, 8)
		}},
		{name: "empty", target: "", wantErr: "empty"},
		{name: "scheme", target: "cql://h/ks", wantErr: "want cassandra://"},
		{name: "unknown parameter", target: "cassandra://h/ks?consistancy=ONE", wantErr: `unknown parameter "consistancy"`},
		{name: "bad consistency", target: "cassandra://h/ks?consistency=MOST", wantErr: "want ONE"},
		{name: "bad replication", target: "cassandra://h/ks?replication=dc1", wantErr: "factors per data centre"},
		{name: "zero replication", target: "cassandra://h/ks?replication=0", wantErr: "at least 1"},
		// Names go into statements as they are, so only plain identifiers pass.
		{name: "bad keyspace", target: "cassandra://h/ks;DROP", wantErr: "cassandra keyspace"},
		{name: "bad table", target: "cassandra://h/ks?table=a-b", wantErr: "table="},
		{name: "bad port", target: "cassandra://h:0/ks", wantErr: `bad port "0"`},
		{name: "bad proto", target: "cassandra://h/ks?proto_version=2", wantErr: "proto_version=2"},
		// The password never shows in an error.
		{name: "redacted", target: "cassandra://u:secret@h:x/ks", wantErr: "u:xxxxx@"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			cfg.Target, cfg.Options = c.target, c.opts
			got, err := parseConfig(cfg, nil)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("parseConfig(%q, %v) = %v, want an error containing %q", c.target, c.opts, err, c.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("parseConfig(%q) error %q shows the password", c.target, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig(%q, %v) = %v, want no error", c.target, c.opts, err)
			}
			if d := c.check(got); d != "" {
				t.Errorf("parseConfig(%q, %v): %s", c.target, c.opts, d)
			}
		})
	}
}

func diff(pairs ...any) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !reflect.DeepEqual(pairs[i], pairs[i+1]) {
			return fmt.Sprintf("field %d = %v, want %v", i/2, pairs[i], pairs[i+1])
		}
	}
	return ""
}

func TestStatements(t *testing.T) {
	c, err := parseConfig(driver.Config{Target: "cassandra://h/bench?table=kv&replication=dc1:3,dc2:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.statements()
	cases := []struct{ name, got, want string }{
		// The keyspace is created with the replication asked for, data centres in name order.
		{"createKeyspace", s.createKeyspace, "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 1}"},
		// One blob key, one blob value.
		{"createTable", s.createTable, "CREATE TABLE IF NOT EXISTS bench.kv (k blob PRIMARY KEY, v blob)"},
		{"read", s.read, "SELECT v FROM bench.kv WHERE k = ?"},
		{"write", s.write, "INSERT INTO bench.kv (k, v) VALUES (?, ?)"},
		{"del", s.del, "DELETE FROM bench.kv WHERE k = ?"},
		// Scans run in token order from the start key's token.
		{"scan", s.scan, "SELECT k, v FROM bench.kv WHERE token(k) >= token(?) LIMIT ?"},
		{"dropTable", s.dropTable, "DROP TABLE IF EXISTS bench.kv"},
		{"dropKeyspace", s.dropKeyspace, "DROP KEYSPACE IF EXISTS bench"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("statements().%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if got, want := (replication{factor: 2}).cql(), "{'class': 'SimpleStrategy', 'replication_factor': 2}"; got != want {
		t.Errorf("replication{factor: 2}.cql() = %q, want %q", got, want)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want driver.Class
	}{
		{"nil", nil, driver.OK},
		// A read of no row.
		{"not found", gocql.ErrNotFound, driver.NotFound},
		// gocql gave up waiting for the reply.
		{"client timeout", gocql.ErrTimeoutNoResponse, driver.Timeout},
		// The replicas did not answer the coordinator in time.
		{"read timeout", &gocql.RequestErrReadTimeout{}, driver.Timeout},
		{"write timeout", &gocql.RequestErrWriteTimeout{}, driver.Timeout},
		// Every host is down, or the connection died under the request.
		{"no hosts", gocql.ErrNoConnections, driver.Connection},
		{"conn closed", gocql.ErrConnectionClosed, driver.Connection},
		{"session closed", gocql.ErrSessionClosed, driver.Connection},
		// Too few live replicas for the consistency level.
		{"unavailable", &gocql.RequestErrUnavailable{}, driver.Connection},
		// Wrapped errors are found.
		{"wrapped", fmt.Errorf("op: %w", gocql.ErrNoConnections), driver.Connection},
		// Network errors of the standard library.
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, driver.Connection},
		{"eof", io.EOF, driver.Connection},
		{"ctx deadline", context.DeadlineExceeded, driver.Timeout},
		// Anything else is other.
		{"other", errors.New("invalid query"), driver.Other},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) [%s] = %v, want %v", c.err, c.name, got, c.want)
		}
	}
}

func TestRenderMap(t *testing.T) {
	m := map[string]string{"class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy", "max_threshold": "32", "min_threshold": "4"}
	want := "class=org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy,max_threshold=32,min_threshold=4"
	if got := renderMap(m); got != want {
		t.Errorf("renderMap(%v) = %q, want %q", m, got, want)
	}
}

// TestOpenUnreachable: a port nothing listens on fails Open with
// ErrUnreachable. This needs no Cassandra.
func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	target := "cassandra://" + addr + "/ks"
	_, err = Open(context.Background(), driver.Config{Target: target, Concurrency: 1, Timeout: time.Second})
	if !errors.Is(err, driver.ErrUnreachable) {
		t.Fatalf("Open(%q) = %v, want an error wrapping ErrUnreachable", target, err)
	}
}
