package driver

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The target URL and option parsing that the URL-configured drivers with a
// host list (redis, cassandra) share. The SQL drivers hand their URLs to
// their client libraries and use sqlkv.Options instead.

// TargetURL is a target URL that may name several hosts, which net/url
// cannot parse: scheme://[user[:password]@]host[:port][,host[:port]...][/path][?query].
type TargetURL struct {
	Scheme   string
	Username string
	Password string
	// Hosts are host:port, with the default port where the URL gave none.
	Hosts []string
	// Path is the path without its leading slash: a database or keyspace.
	Path  string
	Query url.Values
}

// ParseTargetURL reads target for the driver called name, whose URLs look
// like usage (for the error of a target without a scheme) and take one of
// schemes. Hosts without a port get defaultPort. Errors start with
// "<name> target" and never show the password.
func ParseTargetURL(name, usage, target string, defaultPort int, schemes ...string) (TargetURL, error) {
	var u TargetURL
	scheme, rest, ok := strings.Cut(target, "://")
	if !ok {
		return u, fmt.Errorf("%s target %q: want %s", name, RedactTarget(target), usage)
	}
	if !slices.Contains(schemes, scheme) {
		return u, fmt.Errorf("%s target %q: unknown scheme %q (want %s)", name, RedactTarget(target), scheme, usage)
	}
	u.Scheme = scheme
	authority, pathQuery := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, pathQuery = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		user, pass, _ := strings.Cut(authority[:i], ":")
		var err error
		if u.Username, err = url.PathUnescape(user); err != nil {
			return TargetURL{}, fmt.Errorf("%s target: user name: %w", name, err)
		}
		if u.Password, err = url.PathUnescape(pass); err != nil {
			return TargetURL{}, fmt.Errorf("%s target: password: %w", name, err)
		}
		authority = authority[i+1:]
	}
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			return TargetURL{}, fmt.Errorf("%s target %q: empty host", name, RedactTarget(target))
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), strconv.Itoa(defaultPort)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return TargetURL{}, fmt.Errorf("%s target %q: bad port %q", name, RedactTarget(target), port)
		}
		u.Hosts = append(u.Hosts, net.JoinHostPort(host, port))
	}
	path, rawQuery, _ := strings.Cut(pathQuery, "?")
	u.Path = strings.TrimPrefix(path, "/")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return TargetURL{}, fmt.Errorf("%s target %q: query: %w", name, RedactTarget(target), err)
	}
	u.Query = q
	return u, nil
}

// RedactTarget hides the password of a target URL, for error messages and
// logs.
func RedactTarget(target string) string {
	scheme, rest, ok := strings.Cut(target, "://")
	if !ok {
		return target
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return target
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return target
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// ApplyOptions sets the configuration c of the driver called name from
// opts (the workload's driver section) and then from query (the target
// URL's parameters), which win. setters names every option the driver
// understands; each parses its value into c. An unknown query parameter is
// an error, since a user typed it; an unknown option is logged (log may be
// nil) and ignored, since the engine passes some (fields, key_prefix) to
// every driver. Options apply in name order, so errors are deterministic.
func ApplyOptions[C any](name string, c *C, setters map[string]func(c *C, v string) error, opts map[string]string, query url.Values, log *slog.Logger) error {
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		set, ok := setters[k]
		if !ok {
			if log != nil {
				log.Debug("ignoring an option the driver does not use", "driver", name, "option", k)
			}
			continue
		}
		if err := set(c, opts[k]); err != nil {
			return fmt.Errorf("%s option %s=%q: %w", name, k, opts[k], err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(query)) {
		set, ok := setters[k]
		if !ok {
			return fmt.Errorf("%s target: unknown parameter %q (known: %s)", name, k, strings.Join(slices.Sorted(maps.Keys(setters)), ", "))
		}
		v := query[k][len(query[k])-1]
		if err := set(c, v); err != nil {
			return fmt.Errorf("%s target parameter %s=%q: %w", name, k, v, err)
		}
	}
	return nil
}
