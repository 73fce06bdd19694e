package drivertest_test

import (
	"context"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/driver/memory"
)

// The suite adapted to token-order scans still holds for a driver that scans
// in key order: key order is one order among others.
func TestRunWithTokenOrderScans(t *testing.T) {
	drivertest.RunWith(t, func(t *testing.T) driver.Driver {
		d, err := memory.Open(context.Background(), driver.Config{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, drivertest.Options{TokenOrderScans: true})
}
