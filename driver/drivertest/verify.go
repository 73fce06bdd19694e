package drivertest

import (
	"context"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/engine"
	"github.com/statebench/statebench/workload"
)

// testVerify runs the engine in verify mode against the driver for a
// second: values carry checksums of key and version, every read is checked
// and the verify phase reads back every acknowledged write. A driver that
// stores what it acknowledges loses nothing and corrupts nothing.
func testVerify(t *testing.T, d driver.Driver, prefix string) {
	s := workload.Default()
	s.Name, s.Driver.Name = "conformance", "conformance"
	s.Records = 500
	s.Keys.Prefix, s.Keys.Size = prefix, len(prefix)+12
	s.Keys.Distribution = workload.Uniform
	s.Operations = workload.Operations{Read: 0.5, Update: 0.3, Insert: 0.1, Delete: 0.1}
	s.Values.Size = workload.Size{Min: workload.MinVerifiedValueSize, Max: 200}
	s.Phases.Warmup, s.Phases.Duration = 0, workload.Duration(time.Second)
	s.Load.Concurrency = 4
	s.Timeout = workload.Duration(5 * time.Second)
	s.Verify = true
	e, err := engine.New(engine.Config{Spec: s, Driver: d, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run(context.Background())
	if err != nil {
		t.Fatalf("engine run: %v", err)
	}
	v := out.Verify
	if v == nil || v.Checked == 0 || v.Acknowledged < s.Records || v.Verified != v.Acknowledged {
		t.Fatalf("verify = %+v, want reads checked and every acknowledged record (at least %d) read back", v, s.Records)
	}
	if v.Failed {
		t.Errorf("verify found acknowledged writes lost or corrupt: %+v", v)
	}
	for op, o := range out.Ops {
		if o.Errors > 0 {
			t.Errorf("%s: %d errors (%v) against a healthy target", op, o.Errors, o.ErrorsByClass)
		}
	}
}
