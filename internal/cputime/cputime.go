// Package cputime reads the CPU time the process has used, for benchmarks
// that report CPU per operation beside wall-clock time: with the garbage
// collector and the network on other threads, the two differ.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the user and system CPU time the process has used so far.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
