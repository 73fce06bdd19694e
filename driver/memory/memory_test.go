package memory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
)

func TestConformance(t *testing.T) {
	drivertest.Run(t, func(t *testing.T) driver.Driver {
		d, err := Open(context.Background(), driver.Config{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestOptions(t *testing.T) {
	cases := []struct {
		target  string
		wantErr bool
	}{
		{"", false},
		{"memory://?latency=200us", false},
		{"memory://?stall=1s@3s,500ms@8s", false},
		{"memory://?latency=fast", true}, // not a duration
		{"memory://?stall=1s", true},     // no offset
		{"memory://?bogus=1", true},      // unknown option
		{"redis://x", true},              // another scheme
	}
	for _, c := range cases {
		_, err := Open(context.Background(), driver.Config{Target: c.target, Timeout: time.Second})
		if (err != nil) != c.wantErr {
			t.Errorf("Open(%q) error = %v, want error %v", c.target, err, c.wantErr)
		}
	}
}

// A stall blocks operations from its offset into the measure phase for its
// duration; an operation whose timeout falls inside it fails as a timeout.
func TestStall(t *testing.T) {
	d, err := Open(context.Background(), driver.Config{Target: "memory://?stall=300ms@100ms", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Session(context.Background())
	ctx := context.Background()
	if err := s.Update(ctx, []byte("k"), []byte("v")); err != nil {
		t.Fatalf("before the measure phase: %v", err)
	}
	d.(*Store).PhaseStarted("measure", time.Now().Add(-150*time.Millisecond))
	err = s.Update(ctx, []byte("k"), []byte("v"))
	if !errors.Is(err, driver.ErrTimeout) || driver.Classify(err) != driver.Timeout {
		t.Errorf("during the stall with a 100 ms timeout: err = %v, want a timeout", err)
	}
}
