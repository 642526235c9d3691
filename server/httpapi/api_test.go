package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

type apiTest struct {
	t   *testing.T
	srv *httptest.Server
	eng *storage.Engine
	api *API
}

func newAPITest(t *testing.T, limits types.Limits, maxBody int64) *apiTest {
	t.Helper()
	eng, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	return newAPITestConfig(t, eng, Config{Engine: eng, MaxBodyBytes: maxBody})
}

// newAPITestConfig serves an API with cfg over eng, which it closes.
func newAPITestConfig(t *testing.T, eng *storage.Engine, cfg Config) *apiTest {
	t.Helper()
	api := New(cfg)
	srv := httptest.NewServer(api)
	t.Cleanup(func() {
		srv.Close()
		api.Close()
		eng.Close()
	})
	return &apiTest{t: t, srv: srv, eng: eng, api: api}
}

// do sends a request and decodes the JSON answer; every answer must be JSON.
func (a *apiTest) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "ApiKey not-checked-while-auth-is-off")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		a.t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, raw)
	}
	return resp.StatusCode, out
}

// expectError checks an error answer's status and Rockset type.
func (a *apiTest) expectError(method, path, body string, status int, typ string, msgHas string) {
	a.t.Helper()
	code, out := a.do(method, path, body)
	if code != status || out["type"] != typ {
		a.t.Fatalf("%s %s: %d %v, want %d %s", method, path, code, out, status, typ)
	}
	if msg, _ := out["message"].(string); !strings.Contains(msg, msgHas) {
		a.t.Fatalf("%s %s: message %q does not mention %q", method, path, msg, msgHas)
	}
}

func (a *apiTest) ok(method, path, body string) map[string]any {
	a.t.Helper()
	code, out := a.do(method, path, body)
	if code != 200 {
		a.t.Fatalf("%s %s: %d %v", method, path, code, out)
	}
	return out
}

func data(out map[string]any) map[string]any { return out["data"].(map[string]any) }

func (a *apiTest) docCount(ws, coll string) float64 {
	a.t.Helper()
	d := data(a.ok("GET", "/v1/orgs/self/ws/"+ws+"/collections/"+coll, ""))
	return d["stats"].(map[string]any)["doc_count"].(float64)
}

// statuses returns the status (and error type) of each document result.
func statuses(t *testing.T, out map[string]any) []string {
	t.Helper()
	var s []string
	for _, r := range out["data"].([]any) {
		m := r.(map[string]any)
		st := m["status"].(string)
		if st == "ERROR" {
			e := m["error"].(map[string]any)
			st += ":" + e["type"].(string)
			if e["message"] == "" {
				t.Fatal("an error without a message")
			}
		} else if m["error"] != nil {
			t.Fatalf("status %s with error %v", st, m["error"])
		}
		s = append(s, st)
	}
	return s
}

func TestWorkspaces(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	list := a.ok("GET", "/v1/orgs/self/ws", "")["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "commons" {
		t.Fatalf("first start lists %v, want commons", list)
	}
	ws := data(a.ok("POST", "/v1/orgs/self/ws", `{"name":"shop","description":"web shop","unknown_field":1}`))
	for _, k := range []string{"name", "description", "created_at", "collection_count"} {
		if _, ok := ws[k]; !ok {
			t.Fatalf("workspace lacks %q: %v", k, ws)
		}
	}
	if ws["description"] != "web shop" || ws["collection_count"] != 0.0 {
		t.Fatalf("workspace %v", ws)
	}
	if _, err := time.Parse(time.RFC3339, ws["created_at"].(string)); err != nil {
		t.Fatalf("created_at %v: %v", ws["created_at"], err)
	}
	a.expectError("POST", "/v1/orgs/self/ws", `{"name":"shop"}`, 409, "ALREADYEXISTS", "shop")
	a.expectError("POST", "/v1/orgs/self/ws", `{"name":"bad name!"}`, 400, "INVALIDINPUT", "bad name!")
	a.expectError("POST", "/v1/orgs/self/ws", `{"description":"x"}`, 400, "INVALIDINPUT", "name")
	a.expectError("POST", "/v1/orgs/self/ws", `{"name":`, 400, "INVALIDINPUT", "")
	a.expectError("GET", "/v1/orgs/self/ws/nope", "", 404, "NOTFOUND", "nope")
	a.ok("POST", "/v1/orgs/self/ws/shop/collections", `{"name":"c"}`)
	if n := data(a.ok("GET", "/v1/orgs/self/ws/shop", ""))["collection_count"]; n != 1.0 {
		t.Fatalf("collection_count %v, want 1", n)
	}
	a.expectError("DELETE", "/v1/orgs/self/ws/shop", "", 409, "DEPENDENTRESOURCES", "shop")
	a.ok("DELETE", "/v1/orgs/self/ws/shop/collections/c", "")
	if d := data(a.ok("DELETE", "/v1/orgs/self/ws/shop", "")); d["name"] != "shop" {
		t.Fatalf("delete answered %v", d)
	}
	a.expectError("GET", "/v1/orgs/self/ws/shop", "", 404, "NOTFOUND", "shop")
	a.expectError("DELETE", "/v1/orgs/self/ws/commons", "", 400, "INVALIDINPUT", "commons")
	a.expectError("PUT", "/v1/orgs/self/ws", "", 405, "METHODNOTALLOWED", "PUT")
	a.expectError("GET", "/v1/orgs/self/nothing-here", "", 404, "NOTFOUND", "nothing-here")
}

func TestCollections(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	c := data(a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{
		"name":"events","description":"clicks","retention_secs":7200,
		"event_time_info":{"field":"ts","format":"milliseconds_since_epoch","time_zone":"Europe/Paris"},
		"time_partition_resolution_secs":3600, "storage_compression_type":"ZSTD", "whatever":{"x":1}}`))
	for k, want := range map[string]any{"name": "events", "workspace": "commons", "status": "READY", "retention_secs": 7200.0, "description": "clicks", "time_partition_resolution_secs": 3600.0} {
		if c[k] != want {
			t.Fatalf("%s = %v, want %v (%v)", k, c[k], want, c)
		}
	}
	if eti := c["event_time_info"].(map[string]any); eti["field"] != "ts" || eti["format"] != "milliseconds_since_epoch" || eti["time_zone"] != "Europe/Paris" {
		t.Fatalf("event_time_info %v", eti)
	}
	st := c["stats"].(map[string]any)
	if st["doc_count"] != 0.0 || st["total_size"] == nil {
		t.Fatalf("stats %v", st)
	}
	// Format defaults to ISO-8601; retention may be absent (null in answers).
	c2 := data(a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"iso","event_time_info":{"field":"when"}}`))
	if c2["retention_secs"] != nil || c2["event_time_info"].(map[string]any)["format"] != "iso-8601" {
		t.Fatalf("defaults: %v", c2)
	}
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"events"}`, 409, "ALREADYEXISTS", "events")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"short","retention_secs":60}`, 400, "INVALIDINPUT", "3600")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"f","event_time_info":{"field":"t","format":"strftime"}}`, 400, "INVALIDINPUT", "strftime")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"z","event_time_info":{"field":"t","time_zone":"Mars/Olympus"}}`, 400, "INVALIDINPUT", "Mars/Olympus")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"k","sources":[{"integration_name":"kafka"}]}`, 400, "INVALIDINPUT", "needs a kafka, s3 or file section")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"k","sources":[{"integration_name":"s","gcs":{"bucket":"b"}}]}`, 501, "NOTIMPLEMENTEDYET", "gcs sources are not implemented")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"k","sources":[{"integration_name":"nope","kafka":{"kafka_topic_name":"t"}}]}`, 400, "INVALIDINPUT", `integration "nope", which does not exist`)
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"m","field_mapping_query":{"sql":"SELECT * FROM events"}}`, 400, "INVALIDINPUT", "FROM _input")
	a.expectError("POST", "/v1/orgs/self/ws/nope/collections", `{"name":"x"}`, 404, "NOTFOUND", "nope")
	a.expectError("GET", "/v1/orgs/self/ws/commons/collections/missing", "", 404, "NOTFOUND", "missing")
	// Empty sources and null options are fine.
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"plain","sources":[],"field_mapping_query":null}`)

	a.ok("POST", "/v1/orgs/self/ws", `{"name":"other"}`)
	a.ok("POST", "/v1/orgs/self/ws/other/collections", `{"name":"x"}`)
	all := a.ok("GET", "/v1/orgs/self/collections", "")["data"].([]any)
	ws := a.ok("GET", "/v1/orgs/self/ws/commons/collections", "")["data"].([]any)
	if len(all) != 4 || len(ws) != 3 {
		t.Fatalf("%d collections in all, %d in commons; want 4 and 3", len(all), len(ws))
	}
	d := data(a.ok("DELETE", "/v1/orgs/self/ws/commons/collections/events", ""))
	if d["status"] != "DELETED" || d["name"] != "events" {
		t.Fatalf("drop answered %v", d)
	}
	a.expectError("GET", "/v1/orgs/self/ws/commons/collections/events", "", 404, "NOTFOUND", "events")
	a.expectError("POST", "/v1/orgs/self/ws/commons/collections/events/docs", `{"data":[{}]}`, 404, "NOTFOUND", "events")
	// A dropped name can be created again, empty.
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"events"}`)
	if n := a.docCount("commons", "events"); n != 0 {
		t.Fatalf("recreated collection has %v documents", n)
	}
}

func TestDocuments(t *testing.T) {
	a := newAPITest(t, types.Limits{MaxDepth: 5, MaxDocBytes: 2000, MaxFieldNameBytes: 16}, 1<<16)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"c","event_time_info":{"field":"ts","format":"seconds_since_epoch"}}`)
	const docs = "/v1/orgs/self/ws/commons/collections/c/docs"
	out := a.ok("POST", docs, `{"data":[
		{"_id":"a","ts":1700000000,"v":1},
		{"_id":7,"v":2},
		{"_id":7.0,"v":3},
		5,
		{"x":{"y":{"z":{"w":{"deep":{"er":1}}}}}},
		{"this-name-is-far-too-long":1},
		{"_id":[1]},
		{"v":"no id"},
		{"_meta":{}},
		{"big":"`+strings.Repeat("x", 2100)+`"},
		{"_id":"a","v":10,"ts":1700000100}
	]}`)
	got := statuses(t, out)
	want := []string{"ADDED", "ADDED", "REPLACED", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "ADDED", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "REPLACED"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statuses\n got %v\nwant %v", got, want)
	}
	rs := out["data"].([]any)
	if rs[1].(map[string]any)["_id"] != "7" || rs[0].(map[string]any)["_collection"] != "c" {
		t.Fatalf("results %v", rs[:2])
	}
	if id, _ := rs[7].(map[string]any)["_id"].(string); len(id) != 36 {
		t.Fatalf("generated _id %q is not a UUID", id)
	}
	if _, ok := out["last_offset"].(string); !ok {
		t.Fatalf("last_offset %v", out["last_offset"])
	}
	for i, msgHas := range map[int]string{4: "nesting depth", 5: "16", 9: "2000"} {
		msg := rs[i].(map[string]any)["error"].(map[string]any)["message"].(string)
		if !strings.Contains(msg, msgHas) {
			t.Fatalf("result %d: message %q does not mention %q", i, msg, msgHas)
		}
	}
	if n := a.docCount("commons", "c"); n != 3 {
		t.Fatalf("doc_count %v, want 3", n)
	}
	snap := func() *storage.Snapshot {
		s, err := a.eng.Snapshot("commons", "c")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	doc, ok, _ := snap().Get("a")
	if !ok || doc.Get("v").Int() != 10 || doc.Get("_event_time").Micros() != 1700000100e6 {
		t.Fatalf("doc a = %s", doc)
	}

	// Patches.
	out = a.ok("PATCH", docs, `{"data":[
		{"_id":"a","patch":[{"op":"REPLACE","path":"/v","value":11},{"op":"increment","path":"/v","value":5},{"op":"add","path":"/tags","value":["x"]},{"op":"add","path":"/tags/-","value":"y"}]},
		{"_id":"a","patch":[{"op":"remove","path":"/missing"}]},
		{"_id":"a","patch":[{"op":"test","path":"/v","value":99}]},
		{"_id":"a","patch":[{"op":"replace","path":"/_id","value":"b"}]},
		{"_id":"a","patch":[{"op":"replace","path":"/ts","value":1}]},
		{"_id":"nope","patch":[{"op":"add","path":"/x","value":1}]},
		{"_id":"a","patch":[{"op":"frobnicate","path":"/x"}]},
		{"_id":"a"},
		{"patch":[]}
	]}`)
	got = statuses(t, out)
	want = []string{"PATCHED", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "PATCHED", "ERROR:NOTFOUND", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT", "ERROR:INVALIDINPUT"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("patch statuses\n got %v\nwant %v", got, want)
	}
	if msg := out["data"].([]any)[1].(map[string]any)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "/missing") {
		t.Fatalf("missing path error %q does not name the path", msg)
	}
	doc, _, _ = snap().Get("a")
	if doc.Get("v").Int() != 16 || doc.Get("tags").JSON() != `["x","y"]` {
		t.Fatalf("patched doc %s", doc)
	}
	// _event_time never changes on patch, even when the mapped field does.
	if doc.Get("_event_time").Micros() != 1700000100e6 || doc.Get("ts").Int() != 1 {
		t.Fatalf("patched doc %s", doc)
	}

	// _op semantics.
	out = a.ok("POST", docs, `{"data":[
		{"_id":"a","_op":"INSERT","v":0},
		{"_id":"n1","_op":"insert","v":1},
		{"_id":"n2","_op":"REPLACE","v":1},
		{"_id":"n1","_op":"UPDATE","w":2},
		{"_id":"n3","_op":"UPSERT","v":3},
		{"_id":"n3","_op":"DELETE"},
		{"_id":"n1","_op":"bogus"}
	]}`)
	got = statuses(t, out)
	want = []string{"ERROR:ALREADYEXISTS", "ADDED", "ERROR:NOTFOUND", "PATCHED", "ADDED", "DELETED", "ERROR:INVALIDINPUT"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("_op statuses\n got %v\nwant %v", got, want)
	}
	doc, _, _ = snap().Get("n1")
	if doc.Get("v").Int() != 1 || doc.Get("w").Int() != 2 || !doc.Get("_op").IsUndefined() {
		t.Fatalf("updated n1 = %s", doc)
	}

	// Deletes.
	out = a.ok("DELETE", docs, `{"data":[{"_id":"7"},{"_id":"7"},{"nothing":1},{"_id":"n1"}]}`)
	got = statuses(t, out)
	want = []string{"DELETED", "ERROR:NOTFOUND", "ERROR:INVALIDINPUT", "DELETED"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delete statuses\n got %v\nwant %v", got, want)
	}
	before := a.docCount("commons", "c")

	// A malformed body fails the request and writes nothing.
	for _, body := range []string{
		`{"data":[{"_id":"m1"},{"_id":"m2",}]}`,
		`{"data":[{"_id":"m1"}]`,
		`{"data":{"_id":"m1"}}`,
		`{"docs":[{"_id":"m1"}]}`,
		`not json`,
		``,
		`{"data":[{"_id":"m1"}]} trailing`,
	} {
		code, out := a.do("POST", docs, body)
		if code != 400 || out["type"] != "INVALIDINPUT" {
			t.Fatalf("body %q: %d %v, want 400 INVALIDINPUT", body, code, out)
		}
	}
	a.expectError("POST", docs, `{"data":[{"pad":"`+strings.Repeat("y", 1<<16)+`"}]}`, 413, "CONTENTTOOLARGE", "limit")
	if n := a.docCount("commons", "c"); n != before {
		t.Fatalf("refused requests changed doc_count from %v to %v", before, n)
	}
	a.expectError("GET", docs, "", 405, "METHODNOTALLOWED", "GET")
}

// TestReadYourWrites: an acknowledged write is visible to the very next read.
func TestReadYourWrites(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"ryw"}`)
	for i := 0; i < 50; i++ {
		body := fmt.Sprintf(`{"data":[{"_id":"d%d","i":%d}]}`, i, i)
		a.ok("POST", "/v1/orgs/self/ws/commons/collections/ryw/docs", body)
		s, err := a.eng.Snapshot("commons", "ryw")
		if err != nil {
			t.Fatal(err)
		}
		if s.DocCount() != int64(i+1) {
			t.Fatalf("after %d acknowledged writes a snapshot sees %d", i+1, s.DocCount())
		}
		if _, ok, _ := s.Get(fmt.Sprintf("d%d", i)); !ok {
			t.Fatalf("acknowledged d%d is not visible", i)
		}
		s.Close()
	}
}
