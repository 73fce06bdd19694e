package store

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestOwnerGone(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	stale := 3 * time.Minute
	self := Self(now)
	// A process that has exited: its pid is free (or reused, with another
	// start time).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := self
	dead.PID = cmd.Process.Pid
	reused := self
	reused.Start = self.Start + "0"
	other := Owner{Host: self.Host + "-elsewhere", PID: os.Getpid(), Start: self.Start, Heartbeat: now}
	tests := []struct {
		name  string
		owner Owner
		now   time.Time
		want  bool
	}{
		// This process is alive, whatever its heartbeat says.
		{"this process", self, now.Add(time.Hour), false},
		// Same host, the pid is gone: gone at once.
		{"an exited process", dead, now, true},
		// Same host, same pid but another start time: the pid was reused.
		{"a reused pid", reused, now, true},
		// Another host: judged by heartbeat alone.
		{"another host, recent heartbeat", other, now.Add(stale), false},
		{"another host, stale heartbeat", other, now.Add(stale + time.Second), true},
		// No owner at all (an imported running run): gone.
		{"no owner", Owner{}, now, true},
	}
	for _, tt := range tests {
		if got := tt.owner.Gone(tt.now, stale); got != tt.want {
			t.Errorf("%s: Owner%+v.Gone() = %v, want %v", tt.name, tt.owner, got, tt.want)
		}
	}
	if self.Start == "" {
		t.Errorf("Self().Start = \"\", want this process's start on Linux")
	}
}

func TestParseWhere(t *testing.T) {
	tests := []struct {
		in      string
		want    Where
		wantErr bool
	}{
		{"environment.kernel=6.1.5", Where{Path: "environment.kernel", Value: "6.1.5"}, false},
		// The value may hold '=' and be empty.
		{"labels.expr=a=b", Where{Path: "labels.expr", Value: "a=b"}, false},
		{"environment.image=", Where{Path: "environment.image", Value: ""}, false},
		// No '=', an empty name, a character that could end the path.
		{"environment.kernel", Where{}, true},
		{"environment..kernel=1", Where{}, true},
		{"environment.kernel'=1", Where{}, true},
	}
	for _, tt := range tests {
		got, err := ParseWhere(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseWhere(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
