package embedded

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
)

func TestConformance(t *testing.T) {
	for _, target := range []string{"", "file://?sync=true"} {
		t.Run("target="+target, func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T) driver.Driver {
				d, err := Open(context.Background(), driver.Config{Target: target, Timeout: time.Second})
				if err != nil {
					t.Fatal(err)
				}
				return d
			})
		})
	}
}

// A temporary store's directory is removed at Close; a named one is kept,
// with its data, unless statebench created it and cleanup was asked.
func TestDirectories(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, driver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tmp := d.(*DB).dir
	d.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s still exists after Close (stat: %v)", tmp, err)
	}

	dir := t.TempDir()
	d, _ = Open(ctx, driver.Config{Target: dir})
	s, _ := d.Session(ctx)
	s.Update(ctx, []byte("k"), []byte("v"))
	d.Close()
	d, err = Open(ctx, driver.Config{Target: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, _ = d.Session(ctx)
	if v, err := s.Read(ctx, []byte("k"), nil); err != nil || string(v) != "v" {
		t.Errorf("reopened store: Read = %q, %v; want the value written before", v, err)
	}
	d.(*DB).Cleanup(ctx) // an existing store is never removed
	d.Close()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Cleanup removed an existing store: %v", err)
	}
}

func TestUnwritableTarget(t *testing.T) {
	_, err := Open(context.Background(), driver.Config{Target: "/proc/statebench-cannot-write-here"})
	if err == nil {
		t.Fatal("Open of an unwritable directory succeeded")
	}
}
