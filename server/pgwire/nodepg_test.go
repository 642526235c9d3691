package pgwire

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/nodetest"
)

// nodePGDir holds a Node project pinning node-postgres (npm pg) and
// pg-copy-streams, and compat.mjs, which drives a server with them.
const nodePGDir = "testdata/nodepg"

// nodePGVersions are the package versions package.json pins.
var nodePGVersions = map[string]string{"pg": "8.23.1", "pg-copy-streams": "7.0.0"}

// TestNodePostgres starts a real server and runs compat.mjs against it with
// node-postgres, the second driver after pgx: simple and extended queries
// (text parameters, unnamed and named statements), the types pg parses,
// errors with SQLSTATE, transaction blocks, COPY FROM STDIN through
// pg-copy-streams and a pool. It needs node and npm, and the npm registry
// the first time (npm ci fills testdata/nodepg/node_modules, which git
// ignores).
func TestNodePostgres(t *testing.T) {
	node, dir := nodetest.Prepare(t, nodePGDir, nodePGVersions)

	ts := newTestServer(t)
	ts.load(t, "commons", "people",
		`{"_id": "a", "name": "ann", "age": 31, "score": 1.5, "vip": true, "_event_time": "2024-01-02T03:04:05.5Z", "tags": ["x", "y"], "addr": {"city": "Oslo", "zip": null}}`,
		`{"_id": "b", "name": "bob", "age": 42, "score": 2.25, "vip": false, "_event_time": "2024-01-03T00:00:00Z", "tags": [], "addr": {"city": "Bergen"}}`,
		`{"_id": "c", "name": "cid", "age": 7, "score": -3, "vip": true, "_event_time": "2024-01-04T00:00:00Z"}`,
	)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "compat.mjs")
	cmd.Dir = dir
	// TZ far from UTC: pg sends Date parameters with the local offset.
	cmd.Env = append(os.Environ(), "BASALT_PG_URL="+ts.url("basalt"), "TZ=America/Los_Angeles")
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		t.Fatalf("node compat.mjs against %s: %v\n%s", ts.addr, err, out)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(out)), "ALL OK") {
		t.Fatalf("node compat.mjs did not finish:\n%s", out)
	}
	t.Logf("node compat.mjs:\n%s", out)
}
