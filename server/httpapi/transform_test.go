package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// sqlRows runs a query through the API and returns its rows as JSON.
func (a *apiTest) sqlRows(sql string) []string {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"sql": map[string]any{"query": sql}})
	out := a.ok("POST", "/v1/orgs/self/queries", string(body))
	var rows []string
	for _, r := range out["results"].([]any) {
		b, _ := json.Marshal(r)
		rows = append(rows, string(b))
	}
	return rows
}

func writeStatuses(out map[string]any) string {
	var s []string
	for _, d := range out["data"].([]any) {
		m := d.(map[string]any)
		st := m["status"].(string)
		if e, ok := m["error"].(map[string]any); ok {
			st += "(" + e["message"].(string) + ")"
		}
		s = append(s, st)
	}
	return strings.Join(s, " ")
}

func TestFieldMappingQuery(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	const q = `SELECT * EXCEPT (ts, raw), CAST(raw AS int) AS n, PARSE_TIMESTAMP_ISO8601(ts) AS _event_time, CAST(uid AS string) || ':' || CAST(seq AS string) AS _id FROM _input WHERE kind <> 'debug'`
	body, _ := json.Marshal(map[string]any{"name": "ev", "field_mapping_query": map[string]any{"sql": q}})
	col := data(a.ok("POST", "/v1/orgs/self/ws/commons/collections", string(body)))
	if got := col["field_mapping_query"].(map[string]any)["sql"]; got != q {
		t.Fatalf("field_mapping_query in answer: %v", got)
	}
	if got := data(a.ok("GET", "/v1/orgs/self/ws/commons/collections/ev", ""))["field_mapping_query"].(map[string]any)["sql"]; got != q {
		t.Fatalf("field_mapping_query in GET: %v", got)
	}
	out := a.ok("POST", "/v1/orgs/self/ws/commons/collections/ev/docs", `{"data":[
		{"uid":1,"seq":1,"kind":"click","raw":"10","ts":"2024-01-01T00:00:01Z"},
		{"uid":1,"seq":2,"kind":"debug","raw":"20","ts":"2024-01-01T00:00:02Z"},
		{"uid":2,"seq":1,"kind":"view","raw":"x","ts":"2024-01-01T00:00:03Z"},
		{"uid":2,"seq":2,"kind":"view","raw":"30","ts":"2024-01-01T00:00:04Z"},
		"not an object"
	]}`)
	if got := writeStatuses(out); !strings.HasPrefix(got, "ADDED SKIPPED ERROR(field mapping query: field \"n\" (CAST(raw AS int))") || !strings.Contains(got, ") ADDED ERROR(") {
		t.Fatalf("statuses: %s", got)
	}
	if id := out["data"].([]any)[0].(map[string]any)["_id"]; id != "1:1" {
		t.Fatalf("_id %v", id)
	}
	rows := a.sqlRows(`SELECT _id, n, kind, _event_time, ts, raw FROM ev ORDER BY _id`)
	want := []string{
		`{"_event_time":"2024-01-01T00:00:01.000000Z","_id":"1:1","kind":"click","n":10}`,
		`{"_event_time":"2024-01-01T00:00:04.000000Z","_id":"2:2","kind":"view","n":30}`,
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	// PATCH and DELETE are not transformed.
	a.ok("DELETE", "/v1/orgs/self/ws/commons/collections/ev/docs", `{"data":[{"_id":"1:1"}]}`)
	if n := a.docCount("commons", "ev"); n != 1 {
		t.Fatalf("doc count %v", n)
	}

	// Invalid queries are refused at creation, naming the problem.
	for _, tc := range []struct{ body, msg string }{
		{`{"name":"b1","field_mapping_query":{"sql":"SELECT * FROM other"}}`, "FROM _input"},
		{`{"name":"b2","field_mapping_query":{"sql":"SELECT * FROM _input a JOIN _input b ON a.x = b.x"}}`, "joins"},
		{`{"name":"b3","field_mapping_query":{"sql":"SELECT x, ARRAY_AGG(y) AS ys FROM _input GROUP BY x"}}`, "array_agg"},
		{`{"name":"b4","field_mapping_query":"SELECT * FROM _input"}`, `{"sql"`},
		{`{"name":"b5","field_mapping_query":{"sql":"SELECT * FROM _input"},"event_time_info":{"field":"t"}}`, "event_time_info"},
	} {
		a.expectError("POST", "/v1/orgs/self/ws/commons/collections", tc.body, 400, "INVALIDINPUT", tc.msg)
	}
	// A syntax error carries its line and column, as a query's does.
	code, out := a.do("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"b6","field_mapping_query":{"sql":"SELECT *\nFROM _input WHER x"}}`)
	if code != 400 || out["type"] != "INVALIDINPUT" || out["line"] != 2.0 || out["column"] == nil {
		t.Errorf("syntax error in field_mapping_query: %d %v", code, out)
	}
}

func TestRollupCollection(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	const q = `SELECT device, DATE_TRUNC('minute', _event_time) AS _event_time, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean, APPROX_COUNT_DISTINCT(usr) AS users FROM _input WHERE v IS NOT NULL GROUP BY device, DATE_TRUNC('minute', _event_time)`
	body, _ := json.Marshal(map[string]any{"name": "r", "field_mapping_query": map[string]any{"sql": q}})
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", string(body))
	post := func(docs string) string {
		return writeStatuses(a.ok("POST", "/v1/orgs/self/ws/commons/collections/r/docs", `{"data":[`+docs+`]}`))
	}
	if got := post(`{"device":"a","v":1,"usr":"u1","_event_time":"2024-01-01T00:00:10Z"},
		{"device":"a","v":3,"usr":"u2","_event_time":"2024-01-01T00:00:20Z"},
		{"device":"b","v":5,"usr":"u1","_event_time":"2024-01-01T00:01:00Z"},
		{"device":"b","usr":"u1","_event_time":"2024-01-01T00:01:00Z"},
		{"device":"b","v":5,"_event_time":"yesterday"}`); !strings.HasPrefix(got, "ADDED ADDED ADDED SKIPPED ERROR(") {
		t.Fatalf("statuses %s", got)
	}
	// A late event folds into its minute.
	if got := post(`{"device":"a","v":2,"usr":"u1","_event_time":"2024-01-01T00:00:59Z"}`); got != "PATCHED" {
		t.Fatalf("statuses %s", got)
	}
	rows := a.sqlRows(`SELECT device, _event_time, n, total, lo, hi, mean, users FROM r ORDER BY device`)
	want := []string{
		`{"_event_time":"2024-01-01T00:00:00.000000Z","device":"a","hi":3,"lo":1,"mean":2,"n":3,"total":6,"users":2}`,
		`{"_event_time":"2024-01-01T00:01:00.000000Z","device":"b","hi":5,"lo":5,"mean":5,"n":1,"total":5,"users":1}`,
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	a.expectError("DELETE", "/v1/orgs/self/ws/commons/collections/r/docs", `{"data":[{"_id":"x"}]}`, 400, "INVALIDINPUT", "rollup")
	a.expectError("PATCH", "/v1/orgs/self/ws/commons/collections/r/docs", `{"data":[{"_id":"x","patch":[]}]}`, 400, "INVALIDINPUT", "rollup")
}
