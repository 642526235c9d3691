package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/nodetest"
	"github.com/basaltdb/basalt/server"
)

// rocksetJSDir holds a Node project pinning Rockset's official JS client,
// @rockset/client, and compat.mjs, which drives a server with it.
const rocksetJSDir = "testdata/rocksetjs"

// rocksetJSVersion is the client version package.json pins.
const rocksetJSVersion = "0.9.2"

// TestRocksetJSClient starts a real server and runs compat.mjs against it
// with the real @rockset/client: workspaces, collections, documents, queries
// (async, pages, cancel) and the errors the client surfaces. It needs node
// and npm, and the npm registry the first time (npm ci fills
// testdata/rocksetjs/node_modules, which git ignores).
func TestRocksetJSClient(t *testing.T) {
	node, dir := nodetest.Prepare(t, rocksetJSDir, map[string]string{"@rockset/client": rocksetJSVersion})

	logs := &lockedBuffer{}
	// Authentication on: the client sends the admin key as Rockset's did,
	// and compat.mjs checks the API key methods too.
	const adminKey = "rockset-js-admin-key-0123456789"
	s, err := server.Start(server.Config{
		DataDir:  t.TempDir(),
		HTTPAddr: "127.0.0.1:0",
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Auth:     true,
		AdminKey: adminKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	url := "http://" + s.HTTPAddr()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "compat.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BASALT_URL="+url, "BASALT_API_KEY="+adminKey)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		t.Fatalf("node compat.mjs against %s: %v\n--- node output:\n%s\n--- server log:\n%s", url, err, out, logs.String())
	}
	t.Logf("node compat.mjs:\n%s", out)
}

// lockedBuffer collects the server's log lines for a failure report.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var _ io.Writer = (*lockedBuffer)(nil)

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
