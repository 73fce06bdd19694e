// Package cassandra is the statebench driver for Apache Cassandra (and
// servers that speak CQL), through gocql.
//
// Records live in one table, (k blob PRIMARY KEY, v blob), which the driver
// creates with its keyspace when they are missing. Statements are prepared,
// requests go to a replica of the key (token-aware host selection), and reads
// and writes have consistency levels of their own. A scan visits records in
// token order from the token of its start key, not in key order: see
// docs/drivers-redis-cassandra.md, which also says plainly that this driver
// is tested against a real Cassandra only where one is available.
package cassandra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/gocql/gocql"

	"github.com/statebench/statebench/driver"
)

// cassandraDriver is an open gocql session: a connection pool per host.
type cassandraDriver struct {
	cfg  config
	stmt statements
	sess *gocql.Session
	log  *slog.Logger
	// createdKeyspace is true when Open created the keyspace, so that
	// Cleanup drops it and not a keyspace that was there before.
	createdKeyspace bool
}

var (
	_ driver.Driver          = (*cassandraDriver)(nil)
	_ driver.Classifier      = (*cassandraDriver)(nil)
	_ driver.Cleaner         = (*cassandraDriver)(nil)
	_ driver.TimeoutEnforcer = (*cassandraDriver)(nil)
	_ driver.Opener          = Open
)

// Open connects to the cluster named by cfg.Target, creates the keyspace and
// the table when they are missing, and returns the driver. A cluster none of
// whose hosts can be reached, or that refuses the credentials, fails with an
// error wrapping driver.ErrUnreachable.
func Open(ctx context.Context, cfg driver.Config) (driver.Driver, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := parseConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	d := &cassandraDriver{cfg: c, stmt: c.statements(), log: log}
	// The keyspace must exist before a session can be bound to it, so a
	// first session without one creates it.
	boot, err := c.cluster(log, "").CreateSession()
	if err != nil {
		return nil, fmt.Errorf("connecting to cassandra at %s: %w: %w", strings.Join(c.hosts, ","), driver.ErrUnreachable, err)
	}
	err = d.createSchema(ctx, boot)
	boot.Close()
	if err != nil {
		return nil, err
	}
	if d.sess, err = c.cluster(log, c.keyspace).CreateSession(); err != nil {
		return nil, fmt.Errorf("connecting to cassandra keyspace %s at %s: %w: %w", c.keyspace, strings.Join(c.hosts, ","), driver.ErrUnreachable, err)
	}
	return d, nil
}

// cluster returns the gocql configuration. Retries are off, so that errors
// surface as results instead of being hidden; down hosts are tried again
// every second so that throughput recovers soon after an outage.
func (c *config) cluster(log *slog.Logger, keyspace string) *gocql.ClusterConfig {
	cc := gocql.NewCluster(c.hosts...)
	cc.Keyspace = keyspace
	cc.Timeout = c.timeout
	cc.ConnectTimeout = c.timeout
	cc.WriteTimeout = c.timeout
	cc.NumConns = c.connsPerHost
	cc.ProtoVersion = c.protoVersion
	cc.Consistency = c.writeCL
	cc.RetryPolicy = &gocql.SimpleRetryPolicy{NumRetries: 0}
	cc.ReconnectInterval = time.Second
	cc.ReconnectionPolicy = &gocql.ConstantReconnectionPolicy{MaxRetries: 3, Interval: 500 * time.Millisecond}
	cc.Logger = stdLogger{log.With("component", "gocql")}
	var fallback gocql.HostSelectionPolicy
	if c.localDC != "" {
		fallback = gocql.DCAwareRoundRobinPolicy(c.localDC)
	} else {
		fallback = gocql.RoundRobinHostPolicy()
	}
	cc.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(fallback)
	if c.username != "" {
		cc.Authenticator = gocql.PasswordAuthenticator{Username: c.username, Password: c.password}
	}
	return cc
}

// createSchema creates the keyspace and the table when missing, and notes
// whether the keyspace was created here.
func (d *cassandraDriver) createSchema(ctx context.Context, s *gocql.Session) error {
	var name string
	err := s.Query(d.stmt.keyspaceExists, d.cfg.keyspace).WithContext(ctx).Consistency(gocql.One).Scan(&name)
	switch {
	case errors.Is(err, gocql.ErrNotFound):
		d.createdKeyspace = true
	case err != nil:
		return fmt.Errorf("looking up cassandra keyspace %s: %w", d.cfg.keyspace, err)
	}
	if d.createdKeyspace {
		if err := s.Query(d.stmt.createKeyspace).WithContext(ctx).Exec(); err != nil {
			return fmt.Errorf("creating cassandra keyspace %s: %w", d.cfg.keyspace, err)
		}
	}
	if err := s.Query(d.stmt.createTable).WithContext(ctx).Exec(); err != nil {
		return fmt.Errorf("creating cassandra table %s.%s: %w", d.cfg.keyspace, d.cfg.table, err)
	}
	return nil
}

// Session returns a session; sessions share the driver's pools.
func (d *cassandraDriver) Session(ctx context.Context) (driver.Session, error) {
	return &session{d: d}, nil
}

// EnforcesTimeout reports that every operation is bounded by Config.Timeout
// here: it is gocql's per-request timeout.
func (d *cassandraDriver) EnforcesTimeout() bool { return true }

// Close closes the gocql session.
func (d *cassandraDriver) Close() error {
	d.sess.Close()
	return nil
}

// Describe reads the server's release version and identity from
// system.local, the table's compaction, compression and caching settings,
// and the keyspace's replication, from system_schema.
func (d *cassandraDriver) Describe(ctx context.Context) (map[string]string, error) {
	m := d.cfg.canonical()
	var release, clusterName, partitioner, cqlVersion, protocol, dc, rack string
	err := d.sess.Query(d.stmt.local).WithContext(ctx).Consistency(gocql.One).
		Scan(&release, &clusterName, &partitioner, &cqlVersion, &protocol, &dc, &rack)
	if err != nil {
		return nil, fmt.Errorf("reading cassandra system.local: %w", err)
	}
	m["release_version"] = release
	m["cluster_name"] = clusterName
	m["partitioner"] = partitioner
	m["cql_version"] = cqlVersion
	m["native_protocol_version"] = protocol
	m["data_center"] = dc
	m["rack"] = rack
	var compaction, compression, caching map[string]string
	var gcGrace, ttl int
	err = d.sess.Query(d.stmt.table, d.cfg.keyspace, d.cfg.table).WithContext(ctx).Consistency(gocql.One).
		Scan(&compaction, &compression, &caching, &gcGrace, &ttl)
	if err != nil {
		return nil, fmt.Errorf("reading cassandra table settings of %s.%s: %w", d.cfg.keyspace, d.cfg.table, err)
	}
	m["compaction"] = renderMap(compaction)
	m["compression"] = renderMap(compression)
	m["caching"] = renderMap(caching)
	m["gc_grace_seconds"] = fmt.Sprint(gcGrace)
	m["default_time_to_live"] = fmt.Sprint(ttl)
	var repl map[string]string
	var durable bool
	err = d.sess.Query(d.stmt.keyspace, d.cfg.keyspace).WithContext(ctx).Consistency(gocql.One).Scan(&repl, &durable)
	if err != nil {
		return nil, fmt.Errorf("reading cassandra keyspace settings of %s: %w", d.cfg.keyspace, err)
	}
	m["replication"] = renderMap(repl)
	m["durable_writes"] = fmt.Sprint(durable)
	return m, nil
}

// renderMap renders a settings map canonically: sorted k=v pairs.
func renderMap(m map[string]string) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for i, k := range ks {
		ks[i] = k + "=" + m[k]
	}
	return strings.Join(ks, ",")
}

// Cleanup drops the driver's table, and the keyspace when this driver
// created it. The table is statebench's by its name (option table); point
// that option only at a table statebench may drop.
func (d *cassandraDriver) Cleanup(ctx context.Context) error {
	if d.createdKeyspace {
		if err := d.sess.Query(d.stmt.dropKeyspace).WithContext(ctx).Exec(); err != nil {
			return fmt.Errorf("dropping cassandra keyspace %s: %w", d.cfg.keyspace, err)
		}
		return nil
	}
	if err := d.sess.Query(d.stmt.dropTable).WithContext(ctx).Exec(); err != nil {
		return fmt.Errorf("dropping cassandra table %s.%s: %w", d.cfg.keyspace, d.cfg.table, err)
	}
	return nil
}

// Classify sorts gocql errors: see the package-level Classify.
func (d *cassandraDriver) Classify(err error) driver.Class { return Classify(err) }

// Classify sorts gocql errors into classes. Server-side read and write
// timeouts and gocql's own are timeouts; no host in the pool, a connection
// closed while waiting, a closed session, too few live replicas
// (Unavailable) and a bootstrapping node are connection errors; the rest is
// decided by driver.Classify.
func Classify(err error) driver.Class {
	switch {
	case err == nil:
		return driver.OK
	case errors.Is(err, gocql.ErrNotFound), errors.Is(err, driver.ErrNotFound):
		return driver.NotFound
	case errors.Is(err, gocql.ErrTimeoutNoResponse), errors.Is(err, gocql.ErrTooManyTimeouts):
		return driver.Timeout
	case errors.Is(err, gocql.ErrNoConnections), errors.Is(err, gocql.ErrConnectionClosed),
		errors.Is(err, gocql.ErrSessionClosed), errors.Is(err, gocql.ErrNoConnectionsStarted),
		errors.Is(err, gocql.ErrNoStreams), errors.Is(err, gocql.ErrUnavailable):
		return driver.Connection
	}
	var (
		readTimeout  *gocql.RequestErrReadTimeout
		writeTimeout *gocql.RequestErrWriteTimeout
		unavailable  *gocql.RequestErrUnavailable
		re           gocql.RequestError
	)
	switch {
	case errors.As(err, &readTimeout), errors.As(err, &writeTimeout):
		return driver.Timeout
	case errors.As(err, &unavailable):
		return driver.Connection
	case errors.As(err, &re):
		switch re.Code() {
		case gocql.ErrCodeReadTimeout, gocql.ErrCodeWriteTimeout:
			return driver.Timeout
		case gocql.ErrCodeUnavailable, gocql.ErrCodeBootstrapping:
			return driver.Connection
		}
		return driver.Other
	}
	return driver.Classify(err)
}

// stdLogger passes gocql's log lines to slog.
type stdLogger struct{ log *slog.Logger }

func (l stdLogger) Print(v ...any) { l.log.Warn(strings.TrimSpace(fmt.Sprint(v...))) }
func (l stdLogger) Printf(format string, v ...any) {
	l.log.Warn(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
func (l stdLogger) Println(v ...any) { l.log.Warn(strings.TrimSpace(fmt.Sprintln(v...))) }
