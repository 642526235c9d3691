package pgoracle

import (
	"sync"
	"testing"
)

// shared is the server Shared starts once per test binary. It is package
// state because its lifetime is the test binary's: tests in one package
// reach it without threading a handle through TestMain.
var shared struct {
	mu      sync.Mutex
	started bool
	s       *Server
	err     error
}

// Shared returns the test binary's shared server, starting it on first use.
// It skips or fails t as Start does; a failed start is not retried, so every
// test that asks reports the same error. The server outlives t: call
// StopShared from TestMain after m.Run. Give each test its own database
// with NewDB rather than using the "postgres" database, which all share.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	if !shared.started {
		shared.started = true
		shared.s, shared.err = start()
	}
	s, err := shared.s, shared.err
	shared.mu.Unlock()
	if err != nil {
		fail(t, err)
	}
	return s
}

// StopShared stops the shared server, if Shared started one, and removes its
// files. A later Shared starts a new one. On Linux a forgotten StopShared
// still does not leak the server: it gets SIGQUIT when the test binary exits.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s != nil {
		shared.s.stop()
	}
	shared.started, shared.s, shared.err = false, nil, nil
}
