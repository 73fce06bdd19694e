package store

import (
	"os"
	"strconv"
	"strings"
)

// processStart returns the boot id and the start time of process pid, in
// clock ticks since boot, or "" when there is no such process. Together
// with the pid they name one process for the life of the host.
func processStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// the fields after its closing parenthesis start at field 3.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	const startTime = 22 - 3
	if len(f) <= startTime {
		return ""
	}
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(boot)) + "/" + f[startTime]
}
