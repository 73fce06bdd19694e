package driver

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseTargetURL(t *testing.T) {
	cases := []struct {
		target  string
		want    TargetURL
		wantErr string // a part of the error; "" for none
	}{
		// Hosts without a port get the default; the path loses its slash.
		{"kv://h1,h2:7001,[::1]:7002/db?a=1", TargetURL{Scheme: "kv", Hosts: []string{"h1:7000", "h2:7001", "[::1]:7002"}, Path: "db", Query: url.Values{"a": {"1"}}}, ""},
		// Credentials are unescaped; a password alone is allowed.
		{"kvs://u:p%40ss@h", TargetURL{Scheme: "kvs", Username: "u", Password: "p@ss", Hosts: []string{"h:7000"}, Query: url.Values{}}, ""},
		{"kv://:pw@h/", TargetURL{Scheme: "kv", Password: "pw", Hosts: []string{"h:7000"}, Query: url.Values{}}, ""},
		// Without a scheme, the error shows what a target looks like.
		{"h:7000", TargetURL{}, "kv target \"h:7000\": want kv://host/db"},
		{"http://h", TargetURL{}, `unknown scheme "http" (want kv://host/db)`},
		{"kv://h1,,h2", TargetURL{}, "empty host"},
		{"kv://h:0", TargetURL{}, `bad port "0"`},
		{"kv://h:x", TargetURL{}, `bad port "x"`},
		{"kv://h/db?a=%zz", TargetURL{}, "query"},
		// The password never shows in an error.
		{"kv://u:secret@h:99999", TargetURL{}, "u:xxxxx@h"},
	}
	for _, c := range cases {
		got, err := ParseTargetURL("kv", "kv://host/db", c.target, 7000, "kv", "kvs")
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("ParseTargetURL(%q) = %+v, %v; want an error containing %q", c.target, got, err, c.wantErr)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("ParseTargetURL(%q) error %q shows the password", c.target, err)
		case c.wantErr == "" && err != nil:
			t.Errorf("ParseTargetURL(%q) = %v, want %+v", c.target, err, c.want)
		case c.wantErr == "" && !reflect.DeepEqual(got, c.want):
			t.Errorf("ParseTargetURL(%q) = %+v, want %+v", c.target, got, c.want)
		}
	}
}

func TestRedactTarget(t *testing.T) {
	cases := []struct{ in, want string }{
		// The password goes, the user stays.
		{"redis://u:secret@h/0", "redis://u:xxxxx@h/0"},
		// Nothing to hide: no password, no credentials, no scheme.
		{"redis://u@h/0", "redis://u@h/0"},
		{"redis://h/0?a=b@c", "redis://h/0?a=b@c"},
		{"h:1", "h:1"},
	}
	for _, c := range cases {
		if got := RedactTarget(c.in); got != c.want {
			t.Errorf("RedactTarget(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestApplyOptions(t *testing.T) {
	type conf struct{ a, b int }
	setInt := func(dst func(*conf) *int) func(*conf, string) error {
		return func(c *conf, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errors.New("want an integer")
			}
			*dst(c) = n
			return nil
		}
	}
	setters := map[string]func(*conf, string) error{
		"a": setInt(func(c *conf) *int { return &c.a }),
		"b": setInt(func(c *conf) *int { return &c.b }),
	}
	cases := []struct {
		name    string
		opts    map[string]string
		query   url.Values
		want    conf
		wantErr string
	}{
		// The URL's parameters win over the workload's options; an option the
		// driver does not know is ignored.
		{"precedence", map[string]string{"a": "1", "b": "2", "fields": "10"}, url.Values{"a": {"3", "4"}}, conf{a: 4, b: 2}, ""},
		// A parameter the driver does not know is a typo, named with the known ones.
		{"unknown parameter", nil, url.Values{"c": {"1"}}, conf{}, `kv target: unknown parameter "c" (known: a, b)`},
		{"bad option", map[string]string{"a": "x"}, nil, conf{}, `kv option a="x": want an integer`},
		{"bad parameter", nil, url.Values{"b": {"y"}}, conf{}, `kv target parameter b="y": want an integer`},
	}
	for _, c := range cases {
		var got conf
		err := ApplyOptions("kv", &got, setters, c.opts, c.query, nil)
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: ApplyOptions = %v, want an error containing %q", c.name, err, c.wantErr)
		case c.wantErr == "" && (err != nil || got != c.want):
			t.Errorf("%s: ApplyOptions = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}
