package cassandra

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocql/gocql"

	"github.com/statebench/statebench/driver"
)

// Defaults of the target URL.
const (
	DefaultKeyspace = "statebench"
	DefaultTable    = "statebench_kv"
	DefaultPort     = 9042
)

// config is a parsed target URL and option set. Defaults live in
// defaultConfig, consistency checks in validate; parseConfig is the only way
// to make one.
type config struct {
	hosts        []string // host or host:port
	username     string
	password     string
	keyspace     string
	table        string
	readCL       gocql.Consistency // Read and Scan
	writeCL      gocql.Consistency // Update, Insert and Delete
	replication  replication       // for CREATE KEYSPACE, when it does not exist
	localDC      string            // prefer this data centre's replicas
	connsPerHost int
	protoVersion int // 0: negotiate
	timeout      time.Duration
	loadWorkers  int // concurrent inserts of one InsertBatch
}

// replication is a keyspace's replication: SimpleStrategy with a factor, or
// NetworkTopologyStrategy with a factor per data centre.
type replication struct {
	factor int            // SimpleStrategy when perDC is empty
	perDC  map[string]int // NetworkTopologyStrategy
}

// options names every option the driver understands, in the target's query
// and in Config.Options.
var options = map[string]func(c *config, v string) error{
	"consistency": func(c *config, v string) error {
		cl, err := parseConsistency(v)
		c.readCL, c.writeCL = cl, cl
		return err
	},
	"read_consistency":  func(c *config, v string) error { var err error; c.readCL, err = parseConsistency(v); return err },
	"write_consistency": func(c *config, v string) error { var err error; c.writeCL, err = parseConsistency(v); return err },
	"replication":       func(c *config, v string) error { var err error; c.replication, err = parseReplication(v); return err },
	"table":             func(c *config, v string) error { c.table = v; return nil },
	"local_dc":          func(c *config, v string) error { c.localDC = v; return nil },
	"conns_per_host":    func(c *config, v string) error { return parseInt(v, &c.connsPerHost) },
	"proto_version":     func(c *config, v string) error { return parseInt(v, &c.protoVersion) },
	"load_workers":      func(c *config, v string) error { return parseInt(v, &c.loadWorkers) },
	"timeout": func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return errors.New("want a duration such as 2s")
		}
		c.timeout = d
		return nil
	},
}

// defaultConfig holds every default in one place.
func defaultConfig(cfg driver.Config) config {
	c := config{
		keyspace:     DefaultKeyspace,
		table:        DefaultTable,
		readCL:       gocql.LocalQuorum,
		writeCL:      gocql.LocalQuorum,
		replication:  replication{factor: 1},
		connsPerHost: 2,
		timeout:      cfg.Timeout,
		loadWorkers:  32,
	}
	if c.timeout <= 0 {
		c.timeout = 5 * time.Second
	}
	return c
}

// parseConfig reads the target URL and the options; the URL's query wins.
// Unknown query parameters are errors; unknown Options are ignored, since
// the engine passes some (fields, key_prefix) to every driver.
func parseConfig(cfg driver.Config, log *slog.Logger) (config, error) {
	c := defaultConfig(cfg)
	if cfg.Target == "" {
		return config{}, errors.New("cassandra target: empty (want cassandra://host1,host2:9042/keyspace)")
	}
	query, err := c.parseURL(cfg.Target)
	if err != nil {
		return config{}, err
	}
	if err := driver.ApplyOptions("cassandra", &c, options, cfg.Options, query, log); err != nil {
		return config{}, err
	}
	if err := c.validate(); err != nil {
		return config{}, err
	}
	return c, nil
}

// parseURL reads cassandra://[user:pass@]host[:port][,host[:port]...][/keyspace][?query].
func (c *config) parseURL(target string) (url.Values, error) {
	u, err := driver.ParseTargetURL("cassandra", "cassandra://host1,host2:9042/keyspace", target, DefaultPort, "cassandra")
	if err != nil {
		return nil, err
	}
	c.username, c.password, c.hosts = u.Username, u.Password, u.Hosts
	if u.Path != "" {
		c.keyspace = u.Path
	}
	return u.Query, nil
}

// identifier is what the driver accepts as a keyspace or table name: an
// unquoted CQL identifier, so that it can go into statements as is.
var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)

// validate checks that the settings are consistent.
func (c *config) validate() error {
	var errs []error
	if !identifier.MatchString(c.keyspace) {
		errs = append(errs, fmt.Errorf("cassandra keyspace %q: want a letter then up to 47 letters, digits or _", c.keyspace))
	}
	if !identifier.MatchString(c.table) {
		errs = append(errs, fmt.Errorf("cassandra option table=%q: want a letter then up to 47 letters, digits or _", c.table))
	}
	if c.connsPerHost < 1 || c.connsPerHost > 64 {
		errs = append(errs, fmt.Errorf("cassandra option conns_per_host=%d: want 1 to 64", c.connsPerHost))
	}
	if c.protoVersion != 0 && (c.protoVersion < 3 || c.protoVersion > 5) {
		errs = append(errs, fmt.Errorf("cassandra option proto_version=%d: want 3, 4 or 5 (0 negotiates)", c.protoVersion))
	}
	if c.loadWorkers < 1 || c.loadWorkers > 1024 {
		errs = append(errs, fmt.Errorf("cassandra option load_workers=%d: want 1 to 1024", c.loadWorkers))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("cassandra option timeout=%v: want a positive duration", c.timeout))
	}
	return errors.Join(errs...)
}

// canonical returns the settings as used, without secrets, for the run's
// fingerprint.
func (c *config) canonical() map[string]string {
	return map[string]string{
		"driver_hosts":             strings.Join(c.hosts, ","),
		"driver_keyspace":          c.keyspace,
		"driver_table":             c.table,
		"driver_read_consistency":  c.readCL.String(),
		"driver_write_consistency": c.writeCL.String(),
		"driver_local_dc":          c.localDC,
		"driver_conns_per_host":    strconv.Itoa(c.connsPerHost),
	}
}

// parseConsistency accepts gocql's names in any case: ONE, LOCAL_ONE,
// QUORUM, LOCAL_QUORUM, EACH_QUORUM, ALL, ANY, TWO, THREE.
func parseConsistency(v string) (gocql.Consistency, error) {
	cl, err := gocql.ParseConsistencyWrapper(v)
	if err != nil {
		return 0, errors.New("want ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE or ANY")
	}
	return cl, nil
}

// parseReplication reads "3" (SimpleStrategy, factor 3) or "dc1:3,dc2:2"
// (NetworkTopologyStrategy, a factor per data centre).
func parseReplication(v string) (replication, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n < 1 {
			return replication{}, errors.New("want a factor of at least 1")
		}
		return replication{factor: n}, nil
	}
	r := replication{perDC: map[string]int{}}
	for _, part := range strings.Split(v, ",") {
		dc, f, ok := strings.Cut(part, ":")
		n, err := strconv.Atoi(f)
		if !ok || dc == "" || err != nil || n < 0 {
			return replication{}, errors.New(`want a factor ("3") or factors per data centre ("dc1:3,dc2:2")`)
		}
		r.perDC[dc] = n
	}
	return r, nil
}

// cql renders the replication map of CREATE KEYSPACE.
func (r replication) cql() string {
	if len(r.perDC) == 0 {
		return fmt.Sprintf("{'class': 'SimpleStrategy', 'replication_factor': %d}", r.factor)
	}
	var b strings.Builder
	b.WriteString("{'class': 'NetworkTopologyStrategy'")
	for _, dc := range slices.Sorted(maps.Keys(r.perDC)) {
		fmt.Fprintf(&b, ", '%s': %d", strings.ReplaceAll(dc, "'", "''"), r.perDC[dc])
	}
	b.WriteString("}")
	return b.String()
}

// statements are the CQL the driver sends, built once from the config.
// Every statement with bind markers is prepared by gocql on first use.
type statements struct {
	createKeyspace, createTable string
	read, write, del, scan      string
	keyspaceExists              string
	local, table, keyspace      string // Describe
	dropTable, dropKeyspace     string // Cleanup
}

func (c *config) statements() statements {
	t := c.keyspace + "." + c.table
	return statements{
		createKeyspace: "CREATE KEYSPACE IF NOT EXISTS " + c.keyspace + " WITH replication = " + c.replication.cql(),
		createTable:    "CREATE TABLE IF NOT EXISTS " + t + " (k blob PRIMARY KEY, v blob)",
		read:           "SELECT v FROM " + t + " WHERE k = ?",
		write:          "INSERT INTO " + t + " (k, v) VALUES (?, ?)",
		del:            "DELETE FROM " + t + " WHERE k = ?",
		// Token order: the ring's order, which is the only order a
		// partitioned table can be read in without a full scan.
		scan:           "SELECT k, v FROM " + t + " WHERE token(k) >= token(?) LIMIT ?",
		keyspaceExists: "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?",
		local:          "SELECT release_version, cluster_name, partitioner, cql_version, native_protocol_version, data_center, rack FROM system.local",
		table:          "SELECT compaction, compression, caching, gc_grace_seconds, default_time_to_live FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
		keyspace:       "SELECT replication, durable_writes FROM system_schema.keyspaces WHERE keyspace_name = ?",
		dropTable:      "DROP TABLE IF EXISTS " + t,
		dropKeyspace:   "DROP KEYSPACE IF EXISTS " + c.keyspace,
	}
}

func parseInt(v string, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want an integer")
	}
	*dst = n
	return nil
}
