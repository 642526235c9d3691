// Package server is a Basalt node: it owns the storage engine, the protocol
// listeners and their goroutines, metrics and logs, from start to a clean
// shutdown. cmd/basalt builds a Config from flags and runs a Server.
package server
