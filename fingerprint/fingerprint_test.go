package fingerprint

import (
	"runtime"
	"testing"
)

// The host's part of the fingerprint is read from the machine; the
// instance type and image come from the environment where the host cannot
// tell them.
func TestHost(t *testing.T) {
	env := map[string]string{"STATEBENCH_INSTANCE_TYPE": "m7i.large", "STATEBENCH_IMAGE": "ami-123"}
	e := Host(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, "v1.2.3")
	if e.InstanceType != "m7i.large" || e.Image != "ami-123" {
		t.Errorf("instance %q image %q, want the environment's m7i.large and ami-123", e.InstanceType, e.Image)
	}
	if e.StatebenchVersion != "v1.2.3" || e.GoVersion != runtime.Version() || e.CPUs != runtime.NumCPU() || e.Host == "" {
		t.Errorf("fingerprint = %+v", e)
	}
	if runtime.GOOS == "linux" && (e.Kernel == "" || e.CPUModel == "" || e.MemoryBytes == 0) {
		t.Errorf("on Linux: kernel %q, CPU %q, memory %d; want all read from /proc", e.Kernel, e.CPUModel, e.MemoryBytes)
	}
}
