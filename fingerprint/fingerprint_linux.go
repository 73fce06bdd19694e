package fingerprint

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

func platform() (kernel, cpuModel string, memory uint64) {
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpuModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				memory = kb * 1024
				break
			}
		}
		f.Close()
	}
	return
}

// dmi reads a DMI field, which on cloud instances often names the
// instance type; empty where unreadable.
func dmi(field string) string {
	b, err := os.ReadFile("/sys/class/dmi/id/" + field)
	if err != nil {
		return ""
	}
	v := strings.TrimSpace(string(b))
	switch v {
	case "", "Standard PC (i440FX + PIIX, 1996)", "Standard PC (Q35 + ICH9, 2009)", "To Be Filled By O.E.M.":
		return ""
	}
	return v
}
