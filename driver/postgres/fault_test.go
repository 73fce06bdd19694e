package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/postgres"
)

// A session survives a restart of the server: while it is down, operations
// fail at once with connection errors; once it is back, the same session
// works again without being reopened, and what was committed before is there.
func TestSessionSurvivesRestart(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	d, err := postgres.Open(ctx, driver.Config{Target: srv.target(), Concurrency: 4, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op := func(f func(ctx context.Context) error) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return f(ctx)
	}
	if err := op(func(ctx context.Context) error { return s.Update(ctx, []byte("before"), []byte("v1")) }); err != nil {
		t.Fatalf("Update before the outage: %v", err)
	}

	srv.stop()
	for i := 0; i < 3; i++ {
		err := op(func(ctx context.Context) error { return s.Update(ctx, []byte("during"), []byte("v")) })
		if c := driver.Classify(err); c != driver.Connection {
			t.Errorf("Update while the server is down: err = %v, class %v; want a connection error", err, c)
		}
		if c := d.(driver.Classifier).Classify(err); c != driver.Connection {
			t.Errorf("driver's Classify(%v) = %v, want connection", err, c)
		}
	}

	srv.start()
	var lastErr error
	recovered := false
	// The pool may hand out a connection that died with the old server
	// once; a few tries, each bounded, must see it through.
	for i := 0; i < 5 && !recovered; i++ {
		lastErr = op(func(ctx context.Context) error { return s.Update(ctx, []byte("after"), []byte("v2")) })
		recovered = lastErr == nil
	}
	if !recovered {
		t.Fatalf("Update after the restart still fails after 5 tries: %v", lastErr)
	}
	var got []byte
	if err := op(func(ctx context.Context) (err error) { got, err = s.Read(ctx, []byte("before"), nil); return }); err != nil || string(got) != "v1" {
		t.Errorf("Read of the write acknowledged before the outage = %q, %v; want v1", got, err)
	}
}
