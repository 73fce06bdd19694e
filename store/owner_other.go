//go:build !linux

package store

// processStart returns "" where the process start time is unknown: such
// runs are judged by their heartbeat.
func processStart(pid int) string { return "" }
