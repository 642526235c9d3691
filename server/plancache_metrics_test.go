package server

import (
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"testing"

	"github.com/basaltdb/basalt/sql"
)

// TestPlanCacheMetrics runs a query three times and NOW() twice: /metrics
// counts the plan cache's misses and hits (volatile statements in neither).
func TestPlanCacheMetrics(t *testing.T) {
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr()
	httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", `{"name":"pm"}`, nil)
	httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections/pm/docs", `{"data":[{"_id":"a","v":1}]}`, nil)
	counter := func(name string) int64 { t.Helper(); return metricValue(t, base, name) }
	hits, misses := counter("basalt_sql_plan_cache_hits_total"), counter("basalt_sql_plan_cache_misses_total")
	for range 3 {
		if code := httpJSON(t, "POST", base+"/v1/orgs/self/queries", `{"sql":{"query":"SELECT v FROM pm WHERE _id = 'a' AND v >= 0"}}`, nil); code != 200 {
			t.Fatalf("query: HTTP %d", code)
		}
	}
	for range 2 {
		httpJSON(t, "POST", base+"/v1/orgs/self/queries", `{"sql":{"query":"SELECT v, NOW() FROM pm"}}`, nil)
	}
	if got := counter("basalt_sql_plan_cache_misses_total") - misses; got != 1 {
		t.Errorf("misses: %d, want 1", got)
	}
	if got := counter("basalt_sql_plan_cache_hits_total") - hits; got != 2 {
		t.Errorf("hits: %d, want 2", got)
	}
}

// metricValue returns the integer value of metric name in the /metrics of
// the server at base.
func metricValue(t *testing.T, base, name string) int64 {
	t.Helper()
	b, _ := io.ReadAll(mustGet(t, base+"/metrics"))
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /metrics", name)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// startJoinServer starts a server with cfg's JoinCacheBytes, two
// collections to join (jd: users and plans; jf: their events) and returns
// its base URL and a function that runs the join n times.
func startJoinServer(t *testing.T, joinCacheBytes int64) (base string, join func(n int)) {
	t.Helper()
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), JoinCacheBytes: joinCacheBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	base = "http://" + s.HTTPAddr()
	for _, c := range []string{"jf", "jd"} {
		httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", `{"name":"`+c+`"}`, nil)
	}
	httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections/jd/docs", `{"data":[{"_id":"u1","plan":"pro"},{"_id":"u2","plan":"free"}]}`, nil)
	httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections/jf/docs", `{"data":[{"user":"u1"},{"user":"u2"},{"user":"u1"},{"user":"u1"},{"user":"u2"}]}`, nil)
	return base, func(n int) {
		t.Helper()
		for range n {
			if code := httpJSON(t, "POST", base+"/v1/orgs/self/queries", `{"sql":{"query":"SELECT d.plan, count(*) FROM jf f JOIN jd d ON d._id = f.user GROUP BY d.plan"}}`, nil); code != 200 {
				t.Fatalf("join: HTTP %d", code)
			}
		}
	}
}

// TestJoinBuildCacheMetrics runs a join three times over unchanged
// collections: /metrics counts the kept build side and its reuse.
func TestJoinBuildCacheMetrics(t *testing.T) {
	base, join := startJoinServer(t, 0)
	reused, kept := metricValue(t, base, "basalt_sql_join_builds_reused_total"), metricValue(t, base, "basalt_sql_join_builds_kept_total")
	join(3) // kept from the second build; reused by the third query
	if got := metricValue(t, base, "basalt_sql_join_builds_kept_total") - kept; got != 1 {
		t.Errorf("kept: %d, want 1", got)
	}
	if got := metricValue(t, base, "basalt_sql_join_builds_reused_total") - reused; got != 1 {
		t.Errorf("reused: %d, want 1", got)
	}
	if metricValue(t, base, "basalt_sql_join_build_cache_bytes") <= 0 {
		t.Errorf("the cache holds a side but reports no bytes")
	}
	metricValue(t, base, "basalt_sql_join_build_segments_reused_total")
}

// TestJoinCacheOff: with JoinCacheBytes negative (--join-cache-bytes 0)
// joins keep no build side, and what the cache held goes.
func TestJoinCacheOff(t *testing.T) {
	t.Cleanup(func() { sql.SetJoinBuildCacheBytes(256 << 20) })
	base, join := startJoinServer(t, -1)
	if n := metricValue(t, base, "basalt_sql_join_build_cache_bytes"); n != 0 {
		t.Errorf("with the cache off it holds %d bytes", n)
	}
	kept := metricValue(t, base, "basalt_sql_join_builds_kept_total")
	join(3)
	if n := metricValue(t, base, "basalt_sql_join_build_cache_bytes"); n != 0 {
		t.Errorf("with the cache off it holds %d bytes after three joins", n)
	}
	if n := metricValue(t, base, "basalt_sql_join_builds_kept_total"); n != kept {
		t.Errorf("with the cache off %d build sides were kept", n-kept)
	}
}
