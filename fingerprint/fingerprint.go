// Package fingerprint reads what a run runs on: host, kernel, CPU, memory,
// and the cloud instance type and image where the environment says.
package fingerprint

import (
	"os"
	"runtime"

	"github.com/statebench/statebench/result"
)

// Host returns the host's part of an environment fingerprint. lookup reads
// environment variables: STATEBENCH_INSTANCE_TYPE and STATEBENCH_IMAGE name
// the cloud instance type and machine image, which a host cannot always
// tell by itself.
func Host(lookup func(string) (string, bool), version string) result.Environment {
	e := result.Environment{
		OS:                runtime.GOOS,
		Arch:              runtime.GOARCH,
		CPUs:              runtime.NumCPU(),
		GoVersion:         runtime.Version(),
		StatebenchVersion: version,
	}
	e.Host, _ = os.Hostname()
	e.Kernel, e.CPUModel, e.MemoryBytes = platform()
	if v, ok := lookup("STATEBENCH_INSTANCE_TYPE"); ok {
		e.InstanceType = v
	}
	if v, ok := lookup("STATEBENCH_IMAGE"); ok {
		e.Image = v
	}
	if e.InstanceType == "" {
		e.InstanceType = dmi("product_name")
	}
	return e
}
