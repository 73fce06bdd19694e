package redis

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/statebench/statebench/driver"
)

// DefaultTarget is the target used when none is given: a local Redis, db 0.
const DefaultTarget = "redis://127.0.0.1:6379/0"

// DefaultIndexKey is the sorted set that indexes the keys statebench inserts,
// for ordered scans. It is namespaced so that it cannot collide with a
// workload key.
const DefaultIndexKey = "statebench:index"

// Layouts: how a value is stored.
const (
	LayoutString = "string" // one string per record: GET, SET
	LayoutHash   = "hash"   // one hash per record, the value split into fields: HMGET, HSET
)

// config is a parsed target URL and option set. Its defaults live in
// defaultConfig, and validate checks it; parseConfig is the only way to make
// one.
type config struct {
	addrs     []string // host:port, one or more
	tls       bool     // rediss://
	tlsSkip   bool     // tls_skip_verify=true
	username  string
	password  string
	db        int
	cluster   bool   // Redis Cluster: several seeds or cluster=true
	layout    string // LayoutString or LayoutHash
	fields    int    // hash fields per record (layout=hash)
	pipeline  int    // operations per batch the engine should send; 1 = no pipelining
	index     bool   // maintain the scan index on insert and delete
	indexKey  string
	keyPrefix string // the workload's key prefix, for Cleanup
	poolSize  int
	timeout   time.Duration // dial, read, write and pool-wait timeout
	retries   int           // go-redis retries per command; 0 = none
	protocol  int           // RESP version, 2 or 3
}

// options names every option the driver understands, in both the target's
// query and Config.Options. Each maps to a setter.
var options = map[string]func(c *config, v string) error{
	"cluster":         func(c *config, v string) error { return parseBool(v, &c.cluster) },
	"layout":          func(c *config, v string) error { c.layout = v; return nil },
	"fields":          func(c *config, v string) error { return parseInt(v, &c.fields) },
	"pipeline":        func(c *config, v string) error { return parseInt(v, &c.pipeline) },
	"index":           func(c *config, v string) error { return parseBool(v, &c.index) },
	"index_key":       func(c *config, v string) error { c.indexKey = v; return nil },
	"key_prefix":      func(c *config, v string) error { c.keyPrefix = v; return nil },
	"pool_size":       func(c *config, v string) error { return parseInt(v, &c.poolSize) },
	"max_retries":     func(c *config, v string) error { return parseInt(v, &c.retries) },
	"protocol":        func(c *config, v string) error { return parseInt(v, &c.protocol) },
	"tls_skip_verify": func(c *config, v string) error { return parseBool(v, &c.tlsSkip) },
	"timeout": func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want a duration such as 500ms")
		}
		c.timeout = d
		return nil
	},
}

// defaultConfig holds every default in one place.
func defaultConfig(cfg driver.Config) config {
	c := config{
		layout:   LayoutString,
		fields:   1,
		pipeline: 1,
		index:    true,
		indexKey: DefaultIndexKey,
		// One connection per worker, and one for Describe and Cleanup, which
		// may run while every session holds its own.
		poolSize: cfg.Concurrency + 1,
		timeout:  cfg.Timeout,
		protocol: 2,
	}
	if c.poolSize < 2 {
		c.poolSize = 2
	}
	if c.timeout <= 0 {
		c.timeout = 5 * time.Second
	}
	return c
}

// parseConfig reads the target URL and the options. The URL's query
// parameters take precedence over cfg.Options. Unknown query parameters are
// errors (they were typed by a user); unknown Options are logged and ignored,
// because the engine passes some options (fields, key_prefix) to every driver.
func parseConfig(cfg driver.Config, log *slog.Logger) (config, error) {
	c := defaultConfig(cfg)
	target := cfg.Target
	if target == "" {
		target = DefaultTarget
	}
	query, err := c.parseURL(target)
	if err != nil {
		return config{}, err
	}
	if err := driver.ApplyOptions("redis", &c, options, cfg.Options, query, log); err != nil {
		return config{}, err
	}
	if len(c.addrs) > 1 {
		c.cluster = true
	}
	if err := c.validate(); err != nil {
		return config{}, err
	}
	return c, nil
}

// parseURL reads scheme://[user:pass@]host:port[,host:port...][/db][?query]
// into c and returns the query.
func (c *config) parseURL(target string) (url.Values, error) {
	u, err := driver.ParseTargetURL("redis", "redis://host:port/db or rediss://", target, 6379, "redis", "rediss")
	if err != nil {
		return nil, err
	}
	c.tls = u.Scheme == "rediss"
	c.username, c.password, c.addrs = u.Username, u.Password, u.Hosts
	if u.Path != "" {
		n, err := strconv.Atoi(u.Path)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("redis target %q: database %q is not a number", driver.RedactTarget(target), u.Path)
		}
		c.db = n
	}
	return u.Query, nil
}

// validate checks that the settings are consistent.
func (c *config) validate() error {
	var errs []error
	if c.layout != LayoutString && c.layout != LayoutHash {
		errs = append(errs, fmt.Errorf("redis option layout=%q: want string or hash", c.layout))
	}
	if c.fields < 1 || c.fields > 1024 {
		errs = append(errs, fmt.Errorf("redis option fields=%d: want 1 to 1024", c.fields))
	}
	if c.pipeline < 1 || c.pipeline > 10000 {
		errs = append(errs, fmt.Errorf("redis option pipeline=%d: want 1 to 10000", c.pipeline))
	}
	if c.poolSize < 1 {
		errs = append(errs, fmt.Errorf("redis option pool_size=%d: want at least 1", c.poolSize))
	}
	if c.retries < 0 || c.retries > 10 {
		errs = append(errs, fmt.Errorf("redis option max_retries=%d: want 0 to 10", c.retries))
	}
	if c.protocol != 2 && c.protocol != 3 {
		errs = append(errs, fmt.Errorf("redis option protocol=%d: want 2 or 3", c.protocol))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("redis option timeout=%v: want a positive duration", c.timeout))
	}
	if c.index && c.indexKey == "" {
		errs = append(errs, errors.New("redis option index_key: empty"))
	}
	if c.cluster && c.db != 0 {
		errs = append(errs, fmt.Errorf("redis target: database %d: Redis Cluster has only database 0", c.db))
	}
	return errors.Join(errs...)
}

// canonical returns the settings as they were used, without secrets, for
// the run's fingerprint.
func (c *config) canonical() map[string]string {
	m := map[string]string{
		"driver_addrs":    strings.Join(c.addrs, ","),
		"driver_tls":      strconv.FormatBool(c.tls),
		"driver_db":       strconv.Itoa(c.db),
		"driver_cluster":  strconv.FormatBool(c.cluster),
		"driver_layout":   c.layout,
		"driver_pipeline": strconv.Itoa(c.pipeline),
		"driver_index":    strconv.FormatBool(c.index),
		"driver_pool":     strconv.Itoa(c.poolSize),
		"driver_protocol": strconv.Itoa(c.protocol),
	}
	if c.layout == LayoutHash {
		m["driver_fields"] = strconv.Itoa(c.fields)
	}
	return m
}

func parseBool(v string, dst *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*dst = b
	return nil
}

func parseInt(v string, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("want an integer")
	}
	*dst = n
	return nil
}
