package server

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
)

// TestSecondServerRefused: a data directory in use makes a second server fail
// at once, naming the directory — in-process and as a separate process.
func TestSecondServerRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Config{DataDir: dir, HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()

	_, err = Start(Config{DataDir: dir, HTTPAddr: "127.0.0.1:0"})
	if !errors.Is(err, storage.ErrDataDirInUse) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second in-process server: %v; want ErrDataDirInUse naming %s", err, dir)
	}

	if testing.Short() {
		return
	}
	// The same from another process: the child exits non-zero, quickly.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, "BASALT_CRASH_ADDR=127.0.0.1:0")
	done := make(chan error, 1)
	var out strings.Builder
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Fatalf("second server process: %v, want a non-zero exit", err)
		}
		if !strings.Contains(out.String(), dir) {
			t.Fatalf("second server's message %q does not name %s", out.String(), dir)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("second server process did not exit")
	}
}
