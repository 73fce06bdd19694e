package sqlkvtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/result"
)

// Server is a database server of the test's own, with durable settings,
// that the test can take away and bring back.
type Server interface {
	// Target is the server's URL for the driver.
	Target() string
	// Stop shuts the server down (sessions are cut off, committed data
	// stays) and returns when it no longer answers.
	Stop()
	// Start starts it again and returns when it accepts sessions.
	Start()
}

// SessionSurvivesRestart checks that a session survives a restart of the
// server: while it is down, operations fail at once with connection
// errors; once it is back, the same session works again without being
// reopened, and what was committed before is there.
func SessionSurvivesRestart(t *testing.T, srv Server, open driver.Opener) {
	ctx := context.Background()
	d, err := open(ctx, driver.Config{Target: srv.Target(), Concurrency: 4, Timeout: 2 * time.Second})
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

	srv.Stop()
	for i := 0; i < 3; i++ {
		err := op(func(ctx context.Context) error { return s.Update(ctx, []byte("during"), []byte("v")) })
		if c := driver.Classify(err); c != driver.Connection {
			t.Errorf("Update while the server is down: err = %v, class %v; want a connection error", err, c)
		}
		if c := d.(driver.Classifier).Classify(err); c != driver.Connection {
			t.Errorf("driver's Classify(%v) = %v, want connection", err, c)
		}
	}

	srv.Start()
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

// FreePort returns a loopback port nothing listens on, for a server of the
// test's own.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RunFunc runs the statebench command line in-process with args and
// returns its exit code: cli.Main, which this package cannot import.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Outage is a whole run taken through an outage of its server.
type Outage struct {
	// Driver is the driver's name on the command line.
	Driver string
	// Target is the server's URL with the option table=outage.
	Target string
	Server Server
	Run    RunFunc
	// Count counts the records in the outage table, through a connection
	// of its own.
	Count func(ctx context.Context) (int, error)
}

// RunThroughOutage takes the whole run command through an outage: a 10 s
// open-loop run is cut off from its server for 2 s in the middle. It
// completes; the outage's windows count connection errors, the last
// windows count successful operations again (drivertest.CheckOutage), and
// verify finds every acknowledged write.
func RunThroughOutage(t *testing.T, o Outage) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- o.Run(ctx, []string{"run", "--driver", o.Driver, "--target", o.Target,
			"--rate", "1000", "-c", "32", "-d", "10s", "--warmup", "0", "--records", "1000",
			"--verify", "--no-store", "-o", "json"}, &out, &errb)
	}()
	// The outage starts 2 s into the measure phase, which starts when the
	// load phase has written its records (about 4 s into the run), and the
	// server stays down for 2 s.
	waitLoaded(t, done, &errb, 1000, o.Count)
	select {
	case code := <-done:
		t.Fatalf("run ended before the outage with exit code %d: %s", code, errb.String())
	case <-time.After(2 * time.Second):
	}
	o.Server.Stop()
	down := time.Now()
	time.Sleep(2 * time.Second)
	restarting := time.Now()
	o.Server.Start()
	up := time.Now()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		t.Fatalf("run did not end within 90 s; stderr: %s", errb.String())
	}
	if code != 0 {
		t.Fatalf("run exit code = %d, want 0; stderr: %s", code, errb.String())
	}
	var doc result.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not a result document: %v\n%.2000s", err, out.Bytes())
	}
	// The server was down (fully stopped) from down to restarting, and
	// answered again at up. (The first operations after it may still be
	// slow: all the workers reconnect at once, and a freshly started server
	// builds each new session's caches.)
	at := func(x time.Time) time.Duration { return x.Sub(doc.StartedAt) }
	drivertest.CheckOutage(t, &doc, at(down), at(restarting), at(up))
	v := doc.Verify
	if v == nil {
		t.Fatalf("result has no verify section; want one with --verify")
	}
	if v.Acknowledged == 0 {
		t.Errorf("verify.acknowledged = 0; want the run's acknowledged writes")
	}
	if v.Lost != 0 || v.Missing != 0 || v.Failed {
		t.Errorf("verify = lost %d, missing %d, failed %v; want no acknowledged write lost with durable settings", v.Lost, v.Missing, v.Failed)
	}
}

// waitLoaded waits, at most 60 s, until count reports at least n records,
// failing the test if the run ends first.
func waitLoaded(t *testing.T, done <-chan int, errb *bytes.Buffer, n int, count func(context.Context) (int, error)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case code := <-done:
			t.Fatalf("run ended during the load phase with exit code %d: %s", code, errb.String())
		case <-time.After(100 * time.Millisecond):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		got, err := count(ctx)
		cancel()
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load phase did not write %d records within 60 s (last count %d, %v)", n, got, err)
		}
	}
}
