package redis

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

	goredis "github.com/redis/go-redis/v9"

	"github.com/statebench/statebench/driver"
)

func TestParseConfig(t *testing.T) {
	base := driver.Config{Concurrency: 50, Timeout: time.Second}
	cases := []struct {
		name    string
		target  string
		opts    map[string]string
		check   func(c config) string // returns what differs, or ""
		wantErr string
	}{
		// No target means the local default, and the pool is one connection per worker plus one.
		{name: "default", target: "", check: func(c config) string {
			return diff(c.addrs, []string{"127.0.0.1:6379"}, c.db, 0, c.poolSize, 51, c.cluster, false, c.layout, "string", c.timeout, time.Second)
		}},
		// User, password (percent-escaped) and database come from the URL.
		{name: "auth and db", target: "redis://u:p%40ss@h:7000/3", check: func(c config) string {
			return diff(c.username, "u", c.password, "p@ss", c.addrs, []string{"h:7000"}, c.db, 3, c.tls, false)
		}},
		// A password without a user name is Redis's classic AUTH.
		{name: "password only", target: "redis://:pw@h/1", check: func(c config) string {
			return diff(c.username, "", c.password, "pw", c.addrs, []string{"h:6379"}, c.db, 1)
		}},
		// rediss:// turns TLS on.
		{name: "tls", target: "rediss://h:6380/0?tls_skip_verify=true", check: func(c config) string {
			return diff(c.tls, true, c.tlsSkip, true)
		}},
		// Several seeds mean Redis Cluster.
		{name: "cluster seeds", target: "redis://h1:7000,h2:7001,[::1]:7002", check: func(c config) string {
			return diff(c.cluster, true, c.addrs, []string{"h1:7000", "h2:7001", "[::1]:7002"})
		}},
		// One seed with cluster=true is Redis Cluster too.
		{name: "cluster flag", target: "redis://h1:7000?cluster=true", check: func(c config) string {
			return diff(c.cluster, true, c.addrs, []string{"h1:7000"})
		}},
		// Options from the workload apply; the URL's query wins over them.
		{name: "precedence", target: "redis://h/0?layout=hash&pipeline=16", opts: map[string]string{"layout": "string", "fields": "10", "key_prefix": "user"}, check: func(c config) string {
			return diff(c.layout, "hash", c.fields, 10, c.pipeline, 16, c.keyPrefix, "user")
		}},
		// Options the driver does not use are ignored: the engine passes some to every driver.
		{name: "unknown option", target: "redis://h/0", opts: map[string]string{"records": "1000"}, check: func(c config) string { return "" }},
		// Index and pool settings.
		{name: "index and pool", target: "redis://h/0?index=false&pool_size=7&max_retries=2&protocol=3&timeout=250ms", check: func(c config) string {
			return diff(c.index, false, c.poolSize, 7, c.retries, 2, c.protocol, 3, c.timeout, 250*time.Millisecond)
		}},
		// An unknown query parameter is a typo, and an error naming it.
		{name: "unknown parameter", target: "redis://h/0?pipelin=4", wantErr: `unknown parameter "pipelin"`},
		{name: "bad scheme", target: "http://h/0", wantErr: `unknown scheme "http"`},
		{name: "no scheme", target: "h:6379", wantErr: "want redis://"},
		{name: "bad db", target: "redis://h/x", wantErr: `database "x" is not a number`},
		{name: "bad port", target: "redis://h:99999/0", wantErr: `bad port "99999"`},
		{name: "empty host", target: "redis://h1,,h2/0", wantErr: "empty host"},
		{name: "bad layout", target: "redis://h/0?layout=json", wantErr: `layout="json"`},
		{name: "bad pipeline", target: "redis://h/0?pipeline=0", wantErr: "pipeline=0"},
		{name: "bad bool", target: "redis://h/0?cluster=maybe", wantErr: "want true or false"},
		{name: "bad option value", target: "redis://h/0", opts: map[string]string{"fields": "many"}, wantErr: `fields="many"`},
		// Redis Cluster has no databases but 0.
		{name: "cluster db", target: "redis://h1:1,h2:2/3", wantErr: "only database 0"},
		// The password never shows in an error.
		{name: "redacted", target: "redis://u:secret@h/x", wantErr: "u:xxxxx@h"},
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

// diff compares got, want pairs and describes the first difference.
func diff(pairs ...any) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !reflect.DeepEqual(pairs[i], pairs[i+1]) {
			return fmt.Sprintf("field %d = %v, want %v", i/2, pairs[i], pairs[i+1])
		}
	}
	return ""
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want driver.Class
	}{
		// No error is no class.
		{"nil", nil, driver.OK},
		// go-redis's nil reply is a key that holds nothing.
		{"redis nil", goredis.Nil, driver.NotFound},
		// Waiting too long for a pooled connection is a timeout.
		{"pool timeout", goredis.ErrPoolTimeout, driver.Timeout},
		// A closed client is a connection error.
		{"closed", goredis.ErrClosed, driver.Connection},
		// A server loading its dataset after a restart cannot serve: connection.
		{"loading reply", redisError("LOADING Redis is loading the dataset in memory"), driver.Connection},
		{"cluster down", redisError("CLUSTERDOWN The cluster is down"), driver.Connection},
		{"readonly replica", redisError("READONLY You can't write against a read only replica."), driver.Connection},
		// A refused dial, wrapped as go-redis returns it.
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, driver.Connection},
		// A server that went away mid-reply.
		{"eof", io.EOF, driver.Connection},
		// A socket read deadline.
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, driver.Timeout},
		// The engine's per-operation deadline.
		{"ctx deadline", context.DeadlineExceeded, driver.Timeout},
		// Errors whose cause was flattened to text are read by their text.
		{"refused text", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), driver.Connection},
		{"timeout text", errors.New("read tcp 127.0.0.1:2->127.0.0.1:1: i/o timeout"), driver.Timeout},
		// A wrong type or an out-of-memory reply is the target's answer: other.
		{"wrongtype", redisError("WRONGTYPE Operation against a key holding the wrong kind of value"), driver.Other},
		{"oom", redisError("OOM command not allowed when used memory > 'maxmemory'."), driver.Other},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) [%s] = %v, want %v", c.err, c.name, got, c.want)
		}
	}
}

// redisError is a server error reply as go-redis returns it.
type redisError string

func (e redisError) Error() string { return string(e) }
func (e redisError) RedisError()   {}

func TestSetArgsSplitsValue(t *testing.T) {
	cases := []struct {
		name   string
		fields int
		value  string
		want   []string // the field values, in order
	}{
		// Equal parts when the size divides.
		{"even", 4, "aabbccdd", []string{"aa", "bb", "cc", "dd"}},
		// Otherwise the parts differ by at most one byte.
		{"uneven", 3, "abcdefgh", []string{"ab", "cde", "fgh"}},
		// More fields than bytes leaves some fields empty; they still exist.
		{"short", 4, "ab", []string{"", "a", "", "b"}},
		// An empty value is all empty fields.
		{"empty", 2, "", []string{"", ""}},
	}
	for _, c := range cases {
		d := &redisDriver{cfg: config{layout: LayoutHash}}
		for i := 0; i < c.fields; i++ {
			d.fieldNames = append(d.fieldNames, fmt.Sprintf("field%d", i))
		}
		args := d.setArgs(nil, []byte("k"), []byte(c.value))
		var got []string
		var joined string
		for i := 3; i < len(args); i += 2 {
			got = append(got, string(args[i].([]byte)))
			joined += string(args[i].([]byte))
		}
		if !reflect.DeepEqual(got, c.want) || joined != c.value {
			t.Errorf("setArgs(%q) with %d fields [%s] = fields %q, want %q", c.value, c.fields, c.name, got, c.want)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct{ in, want string }{
		// The last byte goes up by one.
		{"user", "uses"},
		// Trailing 0xff bytes carry.
		{"a\xff", "b"},
		// A prefix of only 0xff bytes has no successor; one more 0xff is past every key a workload makes.
		{"\xff", "\xff\xff"},
	}
	for _, c := range cases {
		if got := prefixEnd(c.in); got != c.want {
			t.Errorf("prefixEnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestGlobEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		// Plain prefixes pass through.
		{"user", "user"},
		// Glob metacharacters are escaped, so a prefix matches only itself.
		{"a*b?[c]\\", `a\*b\?\[c\]\\`},
	}
	for _, c := range cases {
		if got := globEscape(c.in); got != c.want {
			t.Errorf("globEscape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseInfo(t *testing.T) {
	in := "# Server\r\nredis_version:7.0.15\r\nos:Linux 6.1 x86_64\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"
	got := parseInfo(in)
	want := map[string]string{"redis_version": "7.0.15", "os": "Linux 6.1 x86_64", "cluster_enabled": "0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseInfo(%q) = %v, want %v", in, got, want)
	}
}
