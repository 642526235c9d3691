package pgwire

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/jdbctest"
)

// jdbcDir holds the Java programs the JDBC tests compile.
const jdbcDir = "testdata/jdbc"

// jdbcURL is the JDBC URL of the test server's database db.
func (ts *testServer) jdbcURL(db string) string {
	return "jdbc:postgresql://" + ts.addr + "/" + db + "?sslmode=disable&connectTimeout=10&socketTimeout=60"
}

// runJava runs a compiled program and fails the test unless it ends with
// "ALL OK".
func runJava(t *testing.T, prog *jdbctest.Program, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := prog.Run(ctx, "America/Los_Angeles", args...)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "ALL OK") {
		t.Fatalf("java %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestJDBC drives Basalt with pgjdbc (JdbcCompat.java): connecting,
// Statement and PreparedStatement with parameters and results of each
// type, the switch to a named server-side statement after prepareThreshold
// executions, a field changing type under it, fetching through a portal
// with setFetchSize, batches, CopyManager.copyIn, SQLSTATEs of errors and
// DatabaseMetaData (schemas, tables, columns, primary keys, types).
func TestJDBC(t *testing.T) {
	prog := jdbctest.Compile(t, jdbcDir, "JdbcCompat")
	ts := newTestServer(t)
	ts.load(t, "commons", "people",
		`{"_id": "a", "name": "ann", "age": 31, "score": 1.5, "vip": true, "_event_time": "2024-01-02T03:04:05.5Z", "tags": ["x", "y"], "addr": {"city": "Oslo", "zip": null}}`,
		`{"_id": "b", "name": "bob", "age": 42, "score": 2.25, "vip": false, "_event_time": "2024-01-03T00:00:00Z", "tags": [], "addr": {"city": "Bergen"}}`,
		`{"_id": "c", "name": "cid", "age": 7, "score": -3, "vip": true, "_event_time": "2024-01-04T00:00:00Z"}`,
	)
	ts.load(t, "shop", "orders", `{"_id": "o1", "total": 10}`, `{"_id": "o2", "total": 12.5}`)
	for _, coll := range []string{"scratch", "batched", "events", "shifty"} {
		ts.load(t, "commons", coll)
	}
	out := runJava(t, prog, ts.jdbcURL("basalt"), "tester", "", "all")
	t.Logf("JdbcCompat:\n%s", out)
}
