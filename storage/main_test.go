package storage

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// goroutine the engine starts must stop in Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
