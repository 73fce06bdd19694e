// Package redis is the statebench driver for Redis (and servers that speak
// its protocol), standalone or Redis Cluster, through go-redis.
//
// A record is a string (layout=string) or a hash whose fields hold the value
// in slices (layout=hash). Ordered scans read a sorted set of the inserted
// keys (the index, DefaultIndexKey) with ZRANGEBYLEX, then the records; the
// index costs one ZADD per insert. docs/drivers-redis-cassandra.md describes
// the target URL, the options, the fingerprint and the error classes.
package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/statebench/statebench/driver"
)

// redisDriver is an open connection pool to one Redis server or cluster.
type redisDriver struct {
	cfg    config
	client goredis.UniversalClient
	// fieldNames are the hash field names, field0..fieldN-1, made once.
	fieldNames []any
}

var (
	_ driver.Driver          = (*redisDriver)(nil)
	_ driver.Classifier      = (*redisDriver)(nil)
	_ driver.Cleaner         = (*redisDriver)(nil)
	_ driver.TimeoutEnforcer = (*redisDriver)(nil)
	_ driver.Opener          = Open
)

// Open connects to the Redis target named by cfg.Target (see
// docs/drivers-redis-cassandra.md) and pings it. A server that cannot be
// reached, or refuses the credentials, fails with an error wrapping
// driver.ErrUnreachable.
func Open(ctx context.Context, cfg driver.Config) (driver.Driver, error) {
	c, err := parseConfig(cfg, cfg.Logger)
	if err != nil {
		return nil, err
	}
	d := &redisDriver{cfg: c, client: newClient(c)}
	for i := 0; i < c.fields; i++ {
		d.fieldNames = append(d.fieldNames, fmt.Sprintf("field%d", i))
	}
	pctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := d.client.Ping(pctx).Err(); err != nil {
		d.client.Close()
		return nil, fmt.Errorf("connecting to redis at %s: %w: %w", strings.Join(c.addrs, ","), driver.ErrUnreachable, err)
	}
	if cfg.Logger != nil {
		cfg.Logger.Debug("redis driver open", "addrs", c.addrs, "cluster", c.cluster, "layout", c.layout, "pipeline", c.pipeline)
	}
	return d, nil
}

// newClient builds the go-redis client. Retries are off by default and the
// dial is tried once, so that during an outage operations fail fast with
// connection errors instead of hiding it; the pool redials on its own once
// the server is back.
func newClient(c config) goredis.UniversalClient {
	var tlsConf *tls.Config
	if c.tls {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.tlsSkip}
	}
	retries := c.retries
	if retries == 0 {
		retries = -1 // go-redis: -1, not 0, disables retries
	}
	maint := &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if c.cluster {
		return goredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs:                    c.addrs,
			Username:                 c.username,
			Password:                 c.password,
			TLSConfig:                tlsConf,
			Protocol:                 c.protocol,
			MaxRetries:               retries,
			MaxRedirects:             3,
			DialTimeout:              c.timeout,
			DialerRetries:            1,
			ReadTimeout:              c.timeout,
			WriteTimeout:             c.timeout,
			PoolTimeout:              c.timeout,
			ContextTimeoutEnabled:    true,
			PoolSize:                 c.poolSize,
			PipelinePoolSize:         -1,
			DisableIdentity:          true,
			MaintNotificationsConfig: maint,
		})
	}
	return goredis.NewClient(&goredis.Options{
		Addr:                     c.addrs[0],
		Username:                 c.username,
		Password:                 c.password,
		DB:                       c.db,
		TLSConfig:                tlsConf,
		Protocol:                 c.protocol,
		MaxRetries:               retries,
		DialTimeout:              c.timeout,
		DialerRetries:            1,
		ReadTimeout:              c.timeout,
		WriteTimeout:             c.timeout,
		PoolTimeout:              c.timeout,
		ContextTimeoutEnabled:    true,
		PoolSize:                 c.poolSize,
		PipelinePoolSize:         -1,
		DisableIdentity:          true,
		MaintNotificationsConfig: maint,
	})
}

// Session returns a session; sessions share the driver's pool.
func (d *redisDriver) Session(ctx context.Context) (driver.Session, error) {
	return &session{d: d, c: d.client}, nil // cmd() takes a connection on first use
}

// EnforcesTimeout reports that every operation is bounded by Config.Timeout
// here: it is go-redis's dial, read, write and pool-wait timeout.
func (d *redisDriver) EnforcesTimeout() bool { return true }

// Close closes the pool.
func (d *redisDriver) Close() error {
	if err := d.client.Close(); err != nil {
		return fmt.Errorf("closing redis client: %w", err)
	}
	return nil
}

// infoFields are the INFO fields kept in the fingerprint: what the server is
// and what it runs on. Valkey reports valkey_version and server_name too.
var infoFields = []string{
	"redis_version", "valkey_version", "server_name", "redis_mode", "os", "arch_bits",
	"multiplexing_api", "gcc_version", "io_threads_active", "cluster_enabled",
	"used_memory", "maxmemory", "mem_allocator",
}

// configFields are the CONFIG GET settings kept in the fingerprint: those
// that change performance or durability.
var configFields = []string{"maxmemory", "maxmemory-policy", "appendonly", "appendfsync", "save", "io-threads"}

// Describe reads INFO (server, memory, cluster, threads), the CONFIG settings
// that matter for performance and durability, and the number of keys. In
// Redis Cluster it describes the node that answers. Settings a managed
// service hides (CONFIG is often disabled) are left out.
func (d *redisDriver) Describe(ctx context.Context) (map[string]string, error) {
	info, err := d.client.Info(ctx, "server", "memory", "cluster", "stats").Result()
	if err != nil {
		return nil, fmt.Errorf("reading redis INFO: %w", err)
	}
	m := d.cfg.canonical()
	parsed := parseInfo(info)
	for _, k := range infoFields {
		if v, ok := parsed[k]; ok {
			m[k] = v
		}
	}
	for _, k := range configFields {
		kv, err := d.client.ConfigGet(ctx, k).Result()
		if err != nil {
			continue // CONFIG disabled or renamed: leave it out
		}
		if v, ok := kv[k]; ok {
			m[k] = v
		}
	}
	if n, err := d.client.DBSize(ctx).Result(); err == nil {
		m["dbsize"] = fmt.Sprint(n)
	}
	return m, nil
}

// parseInfo reads an INFO reply: "key:value" lines, "# Section" headers.
func parseInfo(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// Cleanup deletes the keys that start with the workload's key prefix
// (Options["key_prefix"]) and their entries in the scan index, and nothing
// else. It refuses to run without a prefix, since that would mean every key.
func (d *redisDriver) Cleanup(ctx context.Context) error {
	prefix := d.cfg.keyPrefix
	if prefix == "" {
		return errors.New("cleaning up redis: no key prefix (option key_prefix): refusing to delete every key")
	}
	match := globEscape(prefix) + "*"
	del := func(ctx context.Context, c *goredis.Client) error {
		iter := c.Scan(ctx, 0, match, 1000).Iterator()
		batch := make([]string, 0, 1000)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			// One UNLINK per key: in a cluster, keys of one node may lie in
			// different slots.
			_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
				for _, k := range batch {
					p.Unlink(ctx, k)
				}
				return nil
			})
			batch = batch[:0]
			return err
		}
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	var err error
	switch c := d.client.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, del)
	case *goredis.Client:
		err = del(ctx, c)
	}
	if err != nil {
		return fmt.Errorf("cleaning up redis keys %q: %w", match, err)
	}
	if d.cfg.index {
		// The index's members are keys: remove the prefix's range. Redis
		// deletes the sorted set when it empties.
		if err := d.client.ZRemRangeByLex(ctx, d.cfg.indexKey, "["+prefix, "("+prefixEnd(prefix)).Err(); err != nil {
			return fmt.Errorf("cleaning up redis index %s: %w", d.cfg.indexKey, err)
		}
	}
	return nil
}

// globEscape escapes the glob characters of SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// prefixEnd returns the least string greater than every string with the
// given prefix, for a lexicographic range; "\xff..." prefixes have none and
// get one more 0xff byte, which is past every key a workload makes.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return p + "\xff"
}

// Classify sorts go-redis errors: a nil reply is not found; a pool wait that
// ran out is a timeout; a closed client and a server that is loading its
// data, has lost its master or its cluster is down are connection errors;
// the rest is decided by driver.Classify and, for errors whose cause was
// lost in wrapping, by their text.
func (d *redisDriver) Classify(err error) driver.Class { return Classify(err) }

// Classify is the driver's Classifier, usable without a driver.
func Classify(err error) driver.Class {
	switch {
	case err == nil:
		return driver.OK
	case errors.Is(err, goredis.Nil), errors.Is(err, driver.ErrNotFound):
		return driver.NotFound
	case errors.Is(err, goredis.ErrPoolTimeout):
		return driver.Timeout
	case errors.Is(err, goredis.ErrClosed), errors.Is(err, goredis.ErrPoolExhausted):
		return driver.Connection
	}
	for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS"} {
		if goredis.HasErrorPrefix(err, p) {
			return driver.Connection
		}
	}
	if c := driver.Classify(err); c != driver.Other {
		return c
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "deadline exceeded"):
		return driver.Timeout
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"), strings.Contains(msg, "use of closed network connection"),
		strings.Contains(msg, "no such host"):
		return driver.Connection
	}
	return driver.Other
}
