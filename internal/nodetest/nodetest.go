// Package nodetest prepares the pinned Node.js projects that tests use to
// drive Basalt with real JavaScript clients (Rockset's @rockset/client,
// node-postgres).
package nodetest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Prepare makes the Node project in dir ready and returns the path of node
// and the project's absolute directory. The test is skipped in -short mode
// or without node and npm (scripts/test.sh installs them). When a package
// of pins (name → version) is missing or another version, it runs npm ci,
// which needs the npm registry; node_modules is ignored by git.
func Prepare(t testing.TB, dir string, pins map[string]string) (node, abs string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Node.js; skipped in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/test.sh installs Node.js and npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed (scripts/test.sh installs Node.js and npm)")
	}
	if abs, err = filepath.Abs(dir); err != nil {
		t.Fatal(err)
	}
	if installed(abs, pins) {
		return node, abs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = abs
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", abs, err, out)
	}
	if !installed(abs, pins) {
		t.Fatalf("after npm ci, %s/node_modules lacks %v", abs, pins)
	}
	return node, abs
}

// installed reports whether node_modules holds every pinned version.
func installed(dir string, pins map[string]string) bool {
	for name, want := range pins {
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
		if err != nil {
			return false
		}
		var pkg struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &pkg) != nil || pkg.Version != want {
			return false
		}
	}
	return true
}
