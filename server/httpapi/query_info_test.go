package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// slowQuery runs for tens of seconds unless cancelled, and notices a cancel
// within a batch: the sorted subquery is read back 1,024 rows at a time,
// each checking the context, and each row fans out 500 times.
const slowQuery = "SELECT count(*) AS n FROM (SELECT g FROM generate_series(1, 200000) AS g ORDER BY g) s CROSS JOIN generate_series(1, 500) AS h"

// pollWait bounds every wait for a query's state; the tests poll, they do
// not sleep for a fixed time and assume.
const pollWait = 60 * time.Second

// queryBody is a POST /queries body.
func queryBody(sql string, extra string) string {
	b, _ := json.Marshal(sql)
	body := `{"sql":{"query":` + string(b) + `}`
	if extra != "" {
		body += "," + extra
	}
	return body + "}"
}

// newQueryTest serves an API with cfg over a fresh engine holding ev: 2,500
// documents {n: 1..2500, k: n % 7}.
func newQueryTest(t *testing.T, cfg Config) *apiTest {
	t.Helper()
	eng, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Engine = eng
	a := newAPITestConfig(t, eng, cfg)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"ev"}`)
	a.ok("POST", "/v1/orgs/self/queries", queryBody("INSERT INTO ev SELECT g AS n, g % 7 AS k FROM generate_series(1, 2500) AS g", ""))
	return a
}

// info answers GET /queries/{id}'s data.
func (a *apiTest) info(id string) map[string]any {
	a.t.Helper()
	return a.ok("GET", "/v1/orgs/self/queries/"+id, "")["data"].(map[string]any)
}

// waitStatus polls a query until its status is one of want.
func (a *apiTest) waitStatus(id string, want ...string) map[string]any {
	a.t.Helper()
	deadline := time.Now().Add(pollWait)
	for {
		in := a.info(id)
		for _, w := range want {
			if in["status"] == w {
				return in
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("query %s: status %v after %v, want one of %v", id, in["status"], pollWait, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// submitAsync posts an async query and returns its id and first answer.
func (a *apiTest) submitAsync(sql, extra string) (string, map[string]any) {
	a.t.Helper()
	if extra != "" {
		extra = "," + extra
	}
	out := a.ok("POST", "/v1/orgs/self/queries", queryBody(sql, `"async":true`+extra))
	id, _ := out["query_id"].(string)
	if id == "" {
		a.t.Fatalf("async answer without query_id: %v", out)
	}
	return id, out
}

// rawResults posts a synchronous query and returns its results unparsed,
// each object's bytes as the server wrote them (so key order counts).
func (a *apiTest) rawResults(body string) ([]json.RawMessage, map[string]json.RawMessage) {
	a.t.Helper()
	resp, err := http.Post(a.srv.URL+"/v1/orgs/self/queries", "application/json", strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		a.t.Fatalf("query: %d %s", resp.StatusCode, raw)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatal(err)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(out["results"], &rows); err != nil {
		a.t.Fatal(err)
	}
	return rows, out
}

// page is one GET /pages answer.
type page struct {
	Results    []json.RawMessage `json:"results"`
	Total      int               `json:"results_total_doc_count"`
	Pagination struct {
		StartCursor string  `json:"start_cursor"`
		NextCursor  *string `json:"next_cursor"`
		NextOffset  *int    `json:"next_cursor_offset"`
		Count       int     `json:"current_page_doc_count"`
	} `json:"pagination"`
}

func (a *apiTest) page(path string) page {
	a.t.Helper()
	resp, err := http.Get(a.srv.URL + path)
	if err != nil {
		a.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		a.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	var p page
	if err := json.Unmarshal(raw, &p); err != nil {
		a.t.Fatal(err)
	}
	if p.Pagination.Count != len(p.Results) {
		a.t.Fatalf("GET %s: current_page_doc_count %d for %d results", path, p.Pagination.Count, len(p.Results))
	}
	return p
}

// walkPages follows next_cursor from cursor to the end, docs at a time.
func (a *apiTest) walkPages(id, cursor string, docs int) []json.RawMessage {
	a.t.Helper()
	var all []json.RawMessage
	at := -1 // the offset of the next page, once known
	for {
		q := url.Values{"docs": {itoa(int64(docs))}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		p := a.page("/v1/orgs/self/queries/" + id + "/pages?" + q.Encode())
		if len(p.Results) > docs {
			a.t.Fatalf("page of %d documents, asked for %d", len(p.Results), docs)
		}
		all = append(all, p.Results...)
		if p.Pagination.NextCursor == nil {
			return all
		}
		if p.Pagination.NextOffset == nil || (at >= 0 && *p.Pagination.NextOffset != at+len(p.Results)) {
			a.t.Fatalf("next_cursor_offset %v after a page of %d from offset %d", p.Pagination.NextOffset, len(p.Results), at)
		}
		at = *p.Pagination.NextOffset
		cursor = *p.Pagination.NextCursor
	}
}

func sameRows(t *testing.T, what string, got, want []json.RawMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != string(want[i]) {
			t.Fatalf("%s: row %d is %s, want %s", what, i, got[i], want[i])
		}
	}
}

// TestAsyncQueryLifecycle follows an async query through QUEUED (its slot
// is taken by a slow query), RUNNING/COMPLETED once the slow query is
// cancelled, and its pages, which must equal the synchronous answer.
func TestAsyncQueryLifecycle(t *testing.T) {
	a := newQueryTest(t, Config{MaxRunningQueries: 1})
	const q = "SELECT k, n FROM ev ORDER BY n DESC"
	want, _ := a.rawResults(queryBody(q, ""))
	if len(want) != 2500 || string(want[0]) != `{"k":1,"n":2500}` {
		t.Fatalf("sync answer: %d rows, first %s", len(want), want[0])
	}

	blocker, out := a.submitAsync(slowQuery, "")
	if s := out["status"]; s != "QUEUED" && s != "RUNNING" {
		t.Fatalf("slow query answered %v", out)
	}
	a.waitStatus(blocker, "RUNNING")

	id, out := a.submitAsync(q, "")
	if out["status"] != "QUEUED" || out["results"] != nil {
		t.Fatalf("async answer while the only slot is taken: %v", out)
	}
	in := a.info(id)
	if in["status"] != "QUEUED" || in["sql"] != q || in["submitted_at"] == nil || in["pagination"] != nil {
		t.Fatalf("queued info: %v", in)
	}
	list := a.ok("GET", "/v1/orgs/self/queries", "")["data"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["query_id"] != blocker || list[0].(map[string]any)["status"] != "RUNNING" ||
		list[1].(map[string]any)["query_id"] != id || list[1].(map[string]any)["status"] != "QUEUED" {
		t.Fatalf("active queries: %v", list)
	}
	a.expectError("GET", "/v1/orgs/self/queries/"+id+"/pages", "", 400, "INVALIDINPUT", "QUEUED")

	cancelled := a.ok("DELETE", "/v1/orgs/self/queries/"+blocker, "")["data"].(map[string]any)
	if cancelled["status"] != "CANCELLED" || cancelled["query_errors"].([]any)[0].(map[string]any)["type"] != "QUERY_CANCELLED" {
		t.Fatalf("cancel: %v", cancelled)
	}

	in = a.waitStatus(id, "COMPLETED")
	stats := in["stats"].(map[string]any)
	if stats["result_set_document_count"].(float64) != 2500 || in["expires_at"] == nil || stats["throttled_time_ms"] == nil {
		t.Fatalf("completed info: %v", in)
	}
	start := in["pagination"].(map[string]any)["start_cursor"].(string)
	if len(a.ok("GET", "/v1/orgs/self/queries", "")["data"].([]any)) != 0 {
		t.Fatal("finished queries are still listed as active")
	}

	// Every row exactly once, in order, as the synchronous answer has them,
	// whatever the page size; the default page holds them all.
	sameRows(t, "docs=1000", a.walkPages(id, "", 1000), want)
	sameRows(t, "docs=7 from start_cursor", a.walkPages(id, start, 7), want)
	all := a.page("/v1/orgs/self/queries/" + id + "/pages")
	sameRows(t, "default page", all.Results, want)
	if all.Total != 2500 || all.Pagination.NextCursor != nil || all.Pagination.StartCursor != start {
		t.Fatalf("default page: total %d, pagination %+v", all.Total, all.Pagination)
	}
	// offset counts from the cursor; past the end is an empty last page.
	tail := a.page("/v1/orgs/self/queries/" + id + "/pages?docs=1000&offset=2400&cursor=" + start)
	sameRows(t, "offset=2400", tail.Results, want[2400:])
	if tail.Pagination.NextCursor != nil {
		t.Fatalf("last page has a next cursor: %+v", tail.Pagination)
	}
	if p := a.page("/v1/orgs/self/queries/" + id + "/pages?offset=5000"); len(p.Results) != 0 || p.Pagination.NextCursor != nil {
		t.Fatalf("page past the end: %+v", p)
	}
	// The cursor as a path segment (Rockset's older spelling).
	p := a.page("/v1/orgs/self/queries/" + id + "/pages?docs=10")
	p2 := a.page("/v1/orgs/self/queries/" + id + "/pages/" + *p.Pagination.NextCursor + "?docs=10")
	sameRows(t, "path cursor", p2.Results, want[10:20])

	a.expectError("GET", "/v1/orgs/self/queries/"+id+"/pages?cursor=bogus", "", 400, "INVALIDINPUT", "cursor")
	a.expectError("GET", "/v1/orgs/self/queries/"+id+"/pages?cursor="+encodeCursor(blocker, 0), "", 400, "INVALIDINPUT", "cursor")
	a.expectError("GET", "/v1/orgs/self/queries/"+id+"/pages?docs=100001", "", 400, "INVALIDINPUT", "docs")
	a.expectError("GET", "/v1/orgs/self/queries/"+id+"/pages?offset=-1", "", 400, "INVALIDINPUT", "offset")

	// Cancelling a finished query leaves it as it is.
	if in := a.ok("DELETE", "/v1/orgs/self/queries/"+id, "")["data"].(map[string]any); in["status"] != "COMPLETED" {
		t.Fatalf("cancel after completion: %v", in)
	}
}

// TestQueryPagination: max_initial_results puts the first documents inline
// and the rest behind a cursor, for synchronous and asynchronous queries.
func TestQueryPagination(t *testing.T) {
	a := newQueryTest(t, Config{})
	const q = "SELECT n, k FROM ev WHERE k <> 3 ORDER BY k, n"
	want, _ := a.rawResults(queryBody(q, ""))

	rows, out := a.rawResults(queryBody(q, `"max_initial_results":7`))
	sameRows(t, "initial page", rows, want[:7])
	var total int
	var pg struct {
		StartCursor string  `json:"start_cursor"`
		NextCursor  *string `json:"next_cursor"`
		NextOffset  int     `json:"next_cursor_offset"`
		Count       int     `json:"current_page_doc_count"`
	}
	var id string
	_ = json.Unmarshal(out["results_total_doc_count"], &total)
	_ = json.Unmarshal(out["pagination"], &pg)
	_ = json.Unmarshal(out["query_id"], &id)
	if total != len(want) || pg.NextCursor == nil || pg.NextOffset != 7 || pg.Count != 7 {
		t.Fatalf("paginated answer: total %d, pagination %s", total, out["pagination"])
	}
	sameRows(t, "rest", append(rows, a.walkPages(id, *pg.NextCursor, 999)...), want)
	// A paginated synchronous query is kept (to be paged) but not active.
	if in := a.info(id); in["status"] != "COMPLETED" {
		t.Fatalf("paginated sync query info: %v", in)
	}

	// Without max_initial_results a synchronous answer is whole and
	// nothing is kept.
	_, out = a.rawResults(queryBody(q, ""))
	_ = json.Unmarshal(out["query_id"], &id)
	if out["pagination"] != nil {
		t.Fatalf("unpaginated answer has pagination: %s", out["pagination"])
	}
	a.expectError("GET", "/v1/orgs/self/queries/"+id, "", 404, "NOTFOUND", id)

	// An async query that completes within client_timeout_ms answers in
	// full, first page inline.
	firstRows, res := a.rawResults(queryBody(q, `"async":true,"max_initial_results":5,"async_options":{"client_timeout_ms":60000}`))
	var status string
	_ = json.Unmarshal(res["status"], &status)
	_ = json.Unmarshal(res["query_id"], &id)
	_ = json.Unmarshal(res["pagination"], &pg)
	if status != "COMPLETED" || len(firstRows) != 5 || res["column_fields"] == nil || pg.NextCursor == nil {
		t.Fatalf("async within client timeout: %s %d rows, pagination %s", status, len(firstRows), res["pagination"])
	}
	sameRows(t, "async rest", append(firstRows, a.walkPages(id, *pg.NextCursor, 1000)...), want)

	// The deprecated spellings still work.
	rows, out = a.rawResults(`{"sql":{"query":"` + q + `","paginate":true,"initial_paginate_response_doc_count":3}}`)
	if len(rows) != 3 || out["pagination"] == nil {
		t.Fatalf("sql.paginate: %d rows, pagination %s", len(rows), out["pagination"])
	}
	a.expectError("POST", "/v1/orgs/self/queries", queryBody(q, `"max_initial_results":-1`), 400, "INVALIDINPUT", "max_initial_results")
}

// TestCancelQuery cancels a running async query and a running synchronous
// one, and checks the server keeps answering.
func TestCancelQuery(t *testing.T) {
	a := newQueryTest(t, Config{})

	// Async.
	id, _ := a.submitAsync(slowQuery, `"timeout_ms":120000`)
	a.waitStatus(id, "RUNNING")
	in := a.ok("DELETE", "/v1/orgs/self/queries/"+id, "")["data"].(map[string]any)
	if in["status"] != "CANCELLED" {
		t.Fatalf("cancel: %v", in)
	}
	in = a.info(id)
	qe := in["query_errors"].([]any)[0].(map[string]any)
	if in["status"] != "CANCELLED" || qe["type"] != "QUERY_CANCELLED" || qe["status_code"].(float64) != 400 {
		t.Fatalf("cancelled info: %v", in)
	}
	a.expectError("GET", "/v1/orgs/self/queries/"+id+"/pages", "", 400, "QUERY_CANCELLED", "cancel")
	if code, out := a.do("POST", "/v1/orgs/self/queries", queryBody("SELECT 1 AS one", "")); code != 200 || out["results"].([]any)[0].(map[string]any)["one"].(float64) != 1 {
		t.Fatalf("after cancel: %d %v", code, out)
	}

	// Sync: the request waits; the query is listed, cancelled by id, and
	// the request answers QUERY_CANCELLED, never 200.
	type answer struct {
		code int
		body map[string]any
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := http.Post(a.srv.URL+"/v1/orgs/self/queries", "application/json", strings.NewReader(queryBody(slowQuery, `"timeout_ms":120000`)))
		if err != nil {
			done <- answer{code: -1}
			return
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		done <- answer{resp.StatusCode, body}
	}()
	syncID := a.waitActive(slowQuery, "RUNNING")
	if in := a.ok("DELETE", "/v1/orgs/self/queries/"+syncID, "")["data"].(map[string]any); in["status"] != "CANCELLED" {
		t.Fatalf("cancel sync: %v", in)
	}
	select {
	case ans := <-done:
		if ans.code != 400 || ans.body["type"] != "QUERY_CANCELLED" || ans.body["query_id"] != syncID || ans.body["sqlstate"] != "57014" {
			t.Fatalf("cancelled sync answer: %d %v", ans.code, ans.body)
		}
	case <-time.After(pollWait):
		t.Fatal("the cancelled synchronous request did not answer")
	}
	// A synchronous query is forgotten once answered.
	a.expectError("GET", "/v1/orgs/self/queries/"+syncID, "", 404, "NOTFOUND", syncID)

	// A client that goes away cancels its synchronous query.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", a.srv.URL+"/v1/orgs/self/queries", strings.NewReader(queryBody(slowQuery, `"timeout_ms":120000`)))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	a.waitActive(slowQuery, "RUNNING")
	cancel()
	a.waitNoActive()

	// Unknown ids.
	for _, m := range []string{"GET", "DELETE"} {
		a.expectError(m, "/v1/orgs/self/queries/no-such-query", "", 404, "NOTFOUND", "no-such-query")
	}
	a.expectError("GET", "/v1/orgs/self/queries/no-such-query/pages", "", 404, "NOTFOUND", "no-such-query")
}

// TestQueryTimeout: timeout_ms ends a slow query with QUERY_TIMEOUT (408),
// and an async one with status ERROR, as Rockset reports it.
func TestQueryTimeout(t *testing.T) {
	a := newQueryTest(t, Config{})
	code, out := a.do("POST", "/v1/orgs/self/queries", queryBody(slowQuery, `"timeout_ms":100`))
	if code != 408 || out["type"] != "QUERY_TIMEOUT" {
		t.Fatalf("sync timeout: %d %v", code, out)
	}
	id, _ := a.submitAsync(slowQuery, `"timeout_ms":100`)
	in := a.waitStatus(id, "ERROR")
	qe := in["query_errors"].([]any)[0].(map[string]any)
	if qe["type"] != "QUERY_TIMEOUT" || qe["status_code"].(float64) != 408 {
		t.Fatalf("async timeout: %v", in)
	}
	// A failing async query reports its error; within client_timeout_ms it
	// answers with it directly.
	id, _ = a.submitAsync("SELECT * FROM nope", "")
	in = a.waitStatus(id, "ERROR")
	if qe := in["query_errors"].([]any)[0].(map[string]any); qe["type"] != "QUERY_ERROR" || !strings.Contains(qe["message"].(string), "nope") {
		t.Fatalf("async error: %v", in)
	}
	a.expectError("POST", "/v1/orgs/self/queries", queryBody("SELECT * FROM nope", `"async":true,"async_options":{"client_timeout_ms":60000}`), 400, "QUERY_ERROR", "nope")
}

// TestAsyncAnswersWithID: without client_timeout_ms an asynchronous query
// answers with its id however fast it finishes or fails, so what a client
// gets does not depend on a race with the query.
func TestAsyncAnswersWithID(t *testing.T) {
	a := newQueryTest(t, Config{})
	// Every query has finished before its handler answers.
	a.api.queries.submitted = func(e *queryEntry) { <-e.done }
	for i := 0; i < 3; i++ {
		for _, q := range []string{"SELECT * FROM nope", "SELECT 1 AS one"} {
			id, out := a.submitAsync(q, "")
			if _, ok := out["results"]; ok {
				t.Fatalf("%s: async answer carries results: %v", q, out)
			}
			want := "ERROR"
			if q == "SELECT 1 AS one" {
				want = "COMPLETED"
			}
			a.waitStatus(id, want)
		}
	}
}

// waitActive polls the active list for a query with this SQL and status.
func (a *apiTest) waitActive(sql, status string) string {
	a.t.Helper()
	deadline := time.Now().Add(pollWait)
	for {
		for _, q := range a.ok("GET", "/v1/orgs/self/queries", "")["data"].([]any) {
			in := q.(map[string]any)
			if in["sql"] == sql && in["status"] == status {
				return in["query_id"].(string)
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("no %s query %q after %v", status, sql, pollWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitNoActive polls until no query is queued or running.
func (a *apiTest) waitNoActive() {
	a.t.Helper()
	deadline := time.Now().Add(pollWait)
	for len(a.ok("GET", "/v1/orgs/self/queries", "")["data"].([]any)) > 0 {
		if time.Now().After(deadline) {
			a.t.Fatalf("queries still active after %v", pollWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
