package redis_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/redis"
)

// redisServer is a redis-server of the test's own, without persistence.
type redisServer struct {
	t     *testing.T
	port  int
	dir   string
	extra []string // more redis-server arguments
	cmd   *exec.Cmd
}

// startRedis starts a redis-server on a free loopback port. Without the
// binary the test skips, unless CI is set: there it fails.
func startRedis(t *testing.T, extra ...string) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not installed (CI is set, so this fails): %v", err)
		}
		t.Skipf("redis-server is not installed; install it to run this test: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &redisServer{t: t, port: port, dir: t.TempDir(), extra: extra}
	s.start()
	t.Cleanup(s.kill)
	return s
}

func (s *redisServer) start() {
	s.t.Helper()
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no", "--loglevel", "warning"}, s.extra...)
	s.cmd = exec.Command("redis-server", args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	// Wait for it to answer PING.
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if line == "+PONG\r\n" {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer PING within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server at once (SIGKILL), as a crash would.
func (s *redisServer) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// TestSessionSurvivesRestart is the driver-level half of the fault test:
// workers keep writing and reading while the server is killed and started
// again. Every error in between is a connection error (not a timeout, not
// other: a refused or reset connection is what happened), and once the
// server is back, every worker's operations succeed again through the same
// sessions.
func TestSessionSurvivesRestart(t *testing.T) {
	srv := startRedis(t)
	d := openDriver(t, fmt.Sprintf("redis://127.0.0.1:%d/0", srv.port), nil)
	defer d.Close()
	ctx := context.Background()

	const workers = 8
	var (
		phase   atomic.Int32 // 0 before the kill, 1 during the outage, 2 after the restart
		stop    atomic.Bool
		wg      sync.WaitGroup
		mu      sync.Mutex
		classes = map[driver.Class]int{}
		okAfter = make([]int, workers)
	)
	for w := 0; w < workers; w++ {
		s, err := d.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(w int, s driver.Session) {
			defer wg.Done()
			defer s.Close()
			key := []byte(fmt.Sprintf("fault:%d", w))
			for i := 0; !stop.Load(); i++ {
				p := phase.Load()
				octx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err := s.Update(octx, key, []byte(strconv.Itoa(i)))
				if err == nil {
					_, err = s.Read(octx, key, nil)
				}
				cancel()
				switch {
				case err == nil && p == 2:
					okAfter[w]++
				case err != nil && p == 1:
					mu.Lock()
					classes[redis.Classify(err)]++
					mu.Unlock()
				}
				if err != nil {
					time.Sleep(time.Millisecond) // an outage is not a busy loop
				}
			}
		}(w, s)
	}
	time.Sleep(500 * time.Millisecond)
	phase.Store(1)
	srv.kill()
	time.Sleep(time.Second)
	srv.start()
	// Operations in flight across the restart may still fail; count
	// successes from a moment later.
	time.Sleep(1500 * time.Millisecond)
	phase.Store(2)
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()

	if classes[driver.Connection] == 0 {
		t.Errorf("errors during the outage by class = %v, want connection errors", classes)
	}
	for c, n := range classes {
		if c != driver.Connection {
			t.Errorf("during the outage: %d errors of class %v, want only connection errors", n, c)
		}
	}
	for w, n := range okAfter {
		if n == 0 {
			t.Errorf("worker %d: successful operations after the restart = 0, want > 0", w)
		}
	}
}
