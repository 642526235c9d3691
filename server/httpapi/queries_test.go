package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestQueryAPI(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	if code, body := a.do("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"ev"}`); code != 200 {
		t.Fatalf("create: %d %v", code, body)
	}
	code, body := a.do("POST", "/v1/orgs/self/ws/commons/collections/ev/docs",
		`{"data":[{"_id":"1","kind":"click","n":3,"at":"x"},{"_id":"2","kind":"view","n":5},{"_id":"3","kind":"click","n":4}]}`)
	if code != 200 {
		t.Fatalf("docs: %d %v", code, body)
	}

	// Column order follows the SELECT list, not the alphabet.
	req := `{"sql":{"query":"SELECT n, kind, _id FROM ev WHERE kind = :k ORDER BY n DESC","parameters":[{"name":"k","type":"string","value":"click"}]}}`
	resp, err := http.Post(a.srv.URL+"/v1/orgs/self/queries", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("query: %d %s", resp.StatusCode, raw)
	}
	if !strings.Contains(string(raw), `"results":[{"n":4,"kind":"click","_id":"3"},{"n":3,"kind":"click","_id":"1"}]`) {
		t.Errorf("results out of order or wrong: %s", raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out["status"] != "COMPLETED" || out["results_total_doc_count"].(float64) != 2 {
		t.Errorf("answer: %v", out)
	}
	fields := out["column_fields"].([]any)
	if len(fields) != 3 || fields[0].(map[string]any)["name"] != "n" || fields[0].(map[string]any)["type"] != "int" {
		t.Errorf("column_fields: %v", fields)
	}
	if cols := out["collections"].([]any); len(cols) != 1 || cols[0] != "commons.ev" {
		t.Errorf("collections: %v", cols)
	}

	// Columns of one name stay apart: JSON objects cannot repeat a key.
	req = `{"sql":{"query":"SELECT count(*), count(DISTINCT kind), 7 AS count_1 FROM ev"}}`
	resp, err = http.Post(a.srv.URL+"/v1/orgs/self/queries", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `"results":[{"count":3,"count_2":2,"count_1":7}],"column_fields":[{"name":"count","type":"int"},{"name":"count_2","type":"int"},{"name":"count_1","type":"int"}]`) {
		t.Errorf("duplicate column names: %s", raw)
	}

	// Intervals render as ISO-8601 durations, typed "interval"; a mixed
	// field's value of another kind gives NULL, not an error.
	req = `{"sql":{"query":"SELECT TIMESTAMP '2024-01-02 03:00:00' - TIMESTAMP '2024-01-01 00:00:00' AS d, INTERVAL '90 minutes' * 2 AS h, n + 1 AS m FROM ev WHERE _id = '1'"}}`
	resp, err = http.Post(a.srv.URL+"/v1/orgs/self/queries", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `"results":[{"d":"P1DT3H","h":"PT3H","m":4}],"column_fields":[{"name":"d","type":"interval"},{"name":"h","type":"interval"},{"name":"m","type":"int"}]`) {
		t.Errorf("intervals: %s", raw)
	}

	// An int parameter given as a string is converted by its type.
	code, body = a.do("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT count(*) AS c FROM ev WHERE n > :m","parameters":[{"name":"m","type":"int","value":"3"}]}}`)
	if code != 200 || body["results"].([]any)[0].(map[string]any)["c"].(float64) != 2 {
		t.Errorf("int parameter: %d %v", code, body)
	}

	// Errors: syntax with line and column, unknown collection, bad
	// parameter type; never 200.
	code, body = a.do("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT\n  FROM WHERE"}}`)
	if code != 400 || body["type"] != "QUERY_ERROR" || body["line"] == nil {
		t.Errorf("syntax error: %d %v", code, body)
	}
	code, body = a.do("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT * FROM nope"}}`)
	if code != 400 || body["type"] != "QUERY_ERROR" || !strings.Contains(body["message"].(string), "nope") {
		t.Errorf("unknown collection: %d %v", code, body)
	}
	code, body = a.do("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT :x","parameters":[{"name":"x","type":"int","value":"abc"}]}}`)
	if code != 400 || body["type"] != "INVALIDINPUT" {
		t.Errorf("bad parameter: %d %v", code, body)
	}
	code, body = a.do("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT 1/0"}}`)
	if code != 400 || body["type"] != "QUERY_ERROR" {
		t.Errorf("division by zero: %d %v", code, body)
	}
	// default_row_limit truncates results but not the total count.
	code, body = a.do("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT _id FROM ev","default_row_limit":1}}`)
	if code != 200 || len(body["results"].([]any)) != 1 || body["results_total_doc_count"].(float64) != 3 {
		t.Errorf("default_row_limit: %d %v", code, body)
	}
}
