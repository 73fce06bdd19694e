package cli

import (
	"context"
	"sync"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/cassandra"
	"github.com/statebench/statebench/driver/embedded"
	"github.com/statebench/statebench/driver/memory"
	"github.com/statebench/statebench/driver/mysql"
	"github.com/statebench/statebench/driver/postgres"
	"github.com/statebench/statebench/driver/redis"
)

// drivers names every built-in driver. A name appears once: a duplicate is
// a compile error in a map literal.
var drivers = map[string]driver.Opener{
	// One line per driver, sorted by name.
	"cassandra": cassandra.Open,
	"embedded":  embedded.Open,
	"memory":    memory.Open,
	"mysql":     mysql.Open,
	"postgres":  postgres.Open,
	"redis":     redis.Open,
}

// quietRedis drops go-redis's own log lines (one per failed dial during an
// outage); the driver counts those failures as connection errors. go-redis
// has one process-wide logger, so the wiring layer sets it, once.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

var quietRedisOnce sync.Once
