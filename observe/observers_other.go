//go:build !linux

package observe

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
)

// ErrNoProcess is wrapped by Start's error when the process to observe,
// named by PID or by name, cannot be found, or a name matches several.
var ErrNoProcess = errors.New("process to observe not found")

// unsupported stands in for every observer where /proc and eBPF are absent.
type unsupported struct{}

func (unsupported) Start() error {
	return fmt.Errorf("host observers need Linux; this is %s", runtime.GOOS)
}
func (unsupported) Sample(*Window) error { return nil }
func (unsupported) Stop() error          { return nil }

func newHost(target, *slog.Logger) Observer       { return unsupported{} }
func newProcess(target, *slog.Logger) Observer    { return unsupported{} }
func newBiolatency(target, *slog.Logger) Observer { return unsupported{} }
func newRunqlat(target, *slog.Logger) Observer    { return unsupported{} }

func resolveTarget(pid int, name string) (target, error) {
	if pid != 0 || name != "" {
		return target{}, fmt.Errorf("%w: observing a process needs Linux", ErrNoProcess)
	}
	return target{pid: os.Getpid(), comm: "statebench"}, nil
}
