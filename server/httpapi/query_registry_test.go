package httpapi

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestQueryResultEviction: kept results go when they are older than the
// time to live, and the oldest go first beyond the count bound. The
// registry's clock is moved by hand: no sleeping.
func TestQueryResultEviction(t *testing.T) {
	a := newQueryTest(t, Config{MaxKeptQueryResults: 2, QueryResultTTL: time.Minute})
	var skew atomic.Int64
	g := a.api.queries
	g.mu.Lock()
	g.now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	g.mu.Unlock()

	run := func() string {
		t.Helper()
		id, out := a.submitAsync("SELECT n FROM ev WHERE n <= 3", `"async_options":{"client_timeout_ms":60000}`)
		if out["status"] != "COMPLETED" {
			t.Fatalf("async query within its client timeout: %v", out)
		}
		return id
	}
	id1, id2 := run(), run()
	if a.info(id1)["expires_at"] == nil || a.info(id2)["status"] != "COMPLETED" {
		t.Fatal("kept results are missing")
	}
	id3 := run()
	a.expectError("GET", "/v1/orgs/self/queries/"+id1, "", 404, "NOTFOUND", id1)
	a.expectError("GET", "/v1/orgs/self/queries/"+id1+"/pages", "", 404, "NOTFOUND", id1)
	if p := a.page("/v1/orgs/self/queries/" + id2 + "/pages"); len(p.Results) != 3 {
		t.Fatalf("kept results of %s: %+v", id2, p)
	}
	a.info(id3)

	skew.Store(int64(59 * time.Second))
	a.info(id2)
	skew.Store(int64(61 * time.Second))
	a.expectError("GET", "/v1/orgs/self/queries/"+id2, "", 404, "NOTFOUND", id2)
	a.expectError("GET", "/v1/orgs/self/queries/"+id3, "", 404, "NOTFOUND", id3)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.byID) != 0 || len(g.kept) != 0 || g.active != 0 {
		t.Fatalf("registry still holds %d entries, %d kept, %d active", len(g.byID), len(g.kept), g.active)
	}
}

// TestQueryQueueBound: beyond the running and queued bounds a query is
// refused with RESOURCEEXCEEDED; a queued query can be cancelled.
func TestQueryQueueBound(t *testing.T) {
	a := newQueryTest(t, Config{MaxRunningQueries: 1, MaxQueuedQueries: 1})
	blocker, _ := a.submitAsync(slowQuery, `"timeout_ms":120000`)
	a.waitStatus(blocker, "RUNNING")
	queued, out := a.submitAsync("SELECT 1 AS x", "")
	if out["status"] != "QUEUED" {
		t.Fatalf("second query: %v", out)
	}
	a.expectError("POST", "/v1/orgs/self/queries", queryBody("SELECT 2 AS x", `"async":true`), 429, "RESOURCEEXCEEDED", "too many")
	a.expectError("POST", "/v1/orgs/self/queries", queryBody("SELECT 2 AS x", ""), 429, "RESOURCEEXCEEDED", "too many")

	in := a.ok("DELETE", "/v1/orgs/self/queries/"+queued, "")["data"].(map[string]any)
	if in["status"] != "CANCELLED" || in["stats"].(map[string]any)["throttled_time_ms"] == nil {
		t.Fatalf("cancel a queued query: %v", in)
	}
	a.ok("DELETE", "/v1/orgs/self/queries/"+blocker, "")
	a.waitNoActive()
	// The slot is free once the cancelled query has stopped.
	if out := a.ok("POST", "/v1/orgs/self/queries", queryBody("SELECT 3 AS x", `"async":true,"async_options":{"client_timeout_ms":60000}`)); out["status"] != "COMPLETED" {
		t.Fatalf("after the cancels: %v", out)
	}
}

// TestQueryRegistryClose: Close cancels running queries, waits for them,
// and refuses new ones.
func TestQueryRegistryClose(t *testing.T) {
	a := newQueryTest(t, Config{})
	id, _ := a.submitAsync(slowQuery, `"timeout_ms":120000`)
	a.waitStatus(id, "RUNNING")
	e, ok := a.api.queries.get(id)
	if !ok {
		t.Fatal("running query is not tracked")
	}
	a.api.Close()
	s := a.api.queries.snapshot(e)
	if s.state != stateCancelled || !strings.Contains(s.err.Error(), "shutting down") {
		t.Fatalf("after Close: %s %v", s.state, s.err)
	}
	if n := len(a.api.queries.slots); n != 0 {
		t.Fatalf("%d slots still taken after Close", n)
	}
	a.expectError("POST", "/v1/orgs/self/queries", queryBody("SELECT 1 AS x", ""), 503, "SERVICEUNAVAILABLE", "shutting down")
}
