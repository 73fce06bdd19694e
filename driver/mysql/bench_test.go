package mysql

import (
	"context"
	"testing"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
)

// benchOpen opens the driver on the test server.
func benchOpen(b *testing.B, cfg driver.Config) driver.Driver {
	cfg.Target = testTarget()
	d, err := Open(context.Background(), cfg)
	if err != nil {
		b.Skipf("no MariaDB: %v", err)
	}
	return d
}

// BenchmarkRead measures one point read through a session, the hot path of
// a read-heavy run; its allocations per operation are the driver's cost.
func BenchmarkRead(b *testing.B) { sqlkvtest.BenchRead(b, benchOpen) }

// BenchmarkUpdate measures one upsert through a session.
func BenchmarkUpdate(b *testing.B) { sqlkvtest.BenchUpdate(b, benchOpen) }

// BenchmarkReadParallel measures point reads from 16 sessions at once, as
// the peer comparison runs them.
func BenchmarkReadParallel(b *testing.B) { sqlkvtest.BenchReadParallel(b, benchOpen) }
