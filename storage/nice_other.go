//go:build !linux

package storage

// lowerThreadPriority does nothing off Linux, where a thread's niceness
// cannot be set alone.
func lowerThreadPriority() {}
