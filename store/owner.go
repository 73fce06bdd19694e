package store

import (
	"os"
	"time"
)

// Owner is the process that writes a running run. A run found running
// whose owner is gone reads as abandoned:
//
//   - on the same host, when no process has the owner's pid, or the
//     process with that pid started at another time (the pid was reused,
//     or the host rebooted);
//   - on another host, or where the process start time is unknown, when
//     its heartbeat is older than Options.StaleAfter.
type Owner struct {
	Host string
	PID  int
	// Start identifies the process's start: the boot id and the start time
	// in clock ticks on Linux; empty where unknown.
	Start     string
	Heartbeat time.Time
}

// Self returns this process as an Owner, heartbeating now.
func Self(now time.Time) Owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return Owner{Host: host, PID: pid, Start: processStart(pid), Heartbeat: now}
}

// Gone reports whether the owner process is gone, judged at now.
func (o Owner) Gone(now time.Time, staleAfter time.Duration) bool {
	host, _ := os.Hostname()
	if o.Host == host && o.Start != "" && o.PID > 0 {
		return processStart(o.PID) != o.Start
	}
	return now.Sub(o.Heartbeat) > staleAfter
}
