//go:build !linux

package fingerprint

func platform() (kernel, cpuModel string, memory uint64) { return "", "", 0 }

func dmi(string) string { return "" }
