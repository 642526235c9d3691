package httpapi

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

const lambdasPath = "/v1/orgs/self/ws/commons/lambdas"

var versionIDRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

// lambdaFixture fills commons.ev with three events.
func lambdaFixture(a *apiTest) {
	a.t.Helper()
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"ev"}`)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections/ev/docs",
		`{"data":[{"_id":"1","kind":"click","n":3},{"_id":"2","kind":"view","n":5},{"_id":"3","kind":"click","n":4}]}`)
}

// results returns a query answer's results as "k=v" lines, field order kept
// by the server and sorted keys by encoding/json; enough to compare.
func results(t *testing.T, out map[string]any) string {
	t.Helper()
	rs, ok := out["results"].([]any)
	if !ok {
		t.Fatalf("no results in %v", out)
	}
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%v\n", r)
	}
	return b.String()
}

func TestLambdaAPI(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	lambdaFixture(a)

	// Create: the first version, every field of Rockset's QueryLambdaVersion.
	v1 := data(a.ok("POST", lambdasPath, `{"name":"byKind","description":"first","is_public":false,"sql":{
		"query":"SELECT _id, n FROM ev WHERE kind = :kind AND n >= :min ORDER BY n",
		"default_parameters":[{"name":"min","type":"int","value":"0"}]}}`))
	id1, _ := v1["version"].(string)
	if !versionIDRE.MatchString(id1) {
		t.Fatalf("version %v is not a 16-hex-digit string", v1["version"])
	}
	if v1["workspace"] != "commons" || v1["name"] != "byKind" || v1["description"] != "first" || v1["state"] != "ACTIVE" {
		t.Fatalf("created version: %v", v1)
	}
	if fmt.Sprint(v1["collections"]) != "[commons.ev]" {
		t.Fatalf("collections %v", v1["collections"])
	}
	sqlObj := v1["sql"].(map[string]any)
	if sqlObj["query"] != "SELECT _id, n FROM ev WHERE kind = :kind AND n >= :min ORDER BY n" ||
		fmt.Sprint(sqlObj["default_parameters"]) != "[map[name:min type:int value:0]]" {
		t.Fatalf("sql %v", sqlObj)
	}
	if _, err := time.Parse(time.RFC3339, v1["created_at"].(string)); err != nil {
		t.Fatalf("created_at %v", v1["created_at"])
	}
	if st, ok := v1["stats"].(map[string]any); !ok || len(st) != 0 {
		t.Fatalf("stats of a version never run: %v", v1["stats"])
	}

	// Create errors.
	a.expectError("POST", lambdasPath, `{"name":"byKind","sql":{"query":"SELECT 1"}}`, 409, "ALREADYEXISTS", "byKind")
	a.expectError("POST", lambdasPath, `{"name":"bad name","sql":{"query":"SELECT 1"}}`, 400, "INVALIDINPUT", "bad name")
	a.expectError("POST", lambdasPath, `{"name":"nosql"}`, 400, "INVALIDINPUT", "sql")
	a.expectError("POST", lambdasPath, `{"name":"syntax","sql":{"query":"SELECT\n FROM WHERE"}}`, 400, "INVALIDINPUT", "not valid")
	if _, out := a.do("POST", lambdasPath, `{"name":"syntax","sql":{"query":"SELECT\n FROM WHERE"}}`); out["line"] == nil {
		t.Errorf("a syntax error has no line: %v", out)
	}
	a.expectError("POST", lambdasPath, `{"name":"nocoll","sql":{"query":"SELECT * FROM nope"}}`, 400, "INVALIDINPUT", "nope")
	a.expectError("POST", lambdasPath, `{"name":"badparam","sql":{"query":"SELECT :x","default_parameters":[{"name":"x","type":"int","value":"abc"}]}}`, 400, "INVALIDINPUT", "abc")
	a.expectError("POST", lambdasPath, `{"name":"pub","is_public":true,"sql":{"query":"SELECT 1"}}`, 501, "NOTIMPLEMENTEDYET", "public")
	a.expectError("POST", "/v1/orgs/self/ws/nows/lambdas", `{"name":"x","sql":{"query":"SELECT 1"}}`, 404, "NOTFOUND", "nows")

	// Execute by version: the query answer plus query_lambda_path.
	exec1 := lambdasPath + "/byKind/versions/" + id1
	out := a.ok("POST", exec1, `{"parameters":[{"name":"kind","type":"string","value":"click"}]}`)
	if got := results(t, out); got != "map[_id:1 n:3]\nmap[_id:3 n:4]\n" {
		t.Errorf("results %q", got)
	}
	if out["query_lambda_path"] != "commons.byKind::"+id1 || out["status"] != "COMPLETED" || fmt.Sprint(out["collections"]) != "[commons.ev]" {
		t.Errorf("answer %v", out)
	}
	// A request parameter overrides the default; without a type it takes
	// the default's (int), so "4" compares as a number.
	out = a.ok("POST", exec1, `{"parameters":[{"name":"kind","type":"string","value":"click"},{"name":"min","value":"4"}]}`)
	if got := results(t, out); got != "map[_id:3 n:4]\n" {
		t.Errorf("overridden default: %q", got)
	}
	// default_row_limit and timeout_ms are the query's.
	out = a.ok("POST", exec1, `{"parameters":[{"name":"kind","type":"string","value":"click"}],"default_row_limit":1,"timeout_ms":5000}`)
	if got := results(t, out); got != "map[_id:1 n:3]\n" || out["results_total_doc_count"].(float64) != 2 {
		t.Errorf("default_row_limit: %q %v", got, out)
	}
	// Missing and mistyped parameters: clear errors, and "{}" or no body
	// at all is a valid request.
	for _, body := range []string{`{}`, ``} {
		a.expectError("POST", exec1, body, 400, "INVALIDINPUT", "parameter :kind")
	}
	a.expectError("POST", exec1, `{"parameters":[{"name":"kind","type":"string","value":"click"},{"name":"min","type":"int","value":"abc"}]}`, 400, "INVALIDINPUT", `"abc" is not a valid int`)
	a.expectError("POST", exec1, `{"parameters":[{"name":"kind","type":"wat","value":"click"}]}`, 400, "INVALIDINPUT", "unknown parameter type")
	a.expectError("POST", exec1, `{"parameters":`, 400, "INVALIDINPUT", "invalid request body")
	a.expectError("POST", lambdasPath+"/byKind/versions/0000000000000000", `{}`, 404, "NOTFOUND", "0000000000000000")
	a.expectError("POST", lambdasPath+"/nope/versions/"+id1, `{}`, 404, "NOTFOUND", "nope")
	// GET on the same path reads the version, with stats now.
	got := data(a.ok("GET", exec1, ""))
	if got["version"] != id1 || got["state"] != "ACTIVE" {
		t.Errorf("GET version: %v", got)
	}
	st := got["stats"].(map[string]any)
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(st["last_executed"])); err != nil || st["last_execution_error"] != nil {
		t.Errorf("stats after successful runs: %v", st)
	}

	// A new version; latest names it.
	v2 := data(a.ok("POST", lambdasPath+"/byKind/versions", `{"description":"second","sql":{
		"query":"SELECT count(*) AS c FROM ev WHERE kind = :kind","default_parameters":[{"name":"kind","type":"string","value":"click"}]}}`))
	id2 := v2["version"].(string)
	if !versionIDRE.MatchString(id2) || id2 == id1 || v2["description"] != "second" {
		t.Fatalf("second version: %v", v2)
	}
	out = a.ok("POST", lambdasPath+"/byKind/tags/latest", `{}`)
	if got := results(t, out); got != "map[c:2]\n" || out["query_lambda_path"] != "commons.byKind::"+id2 {
		t.Errorf("latest: %q %v", got, out)
	}
	out = a.ok("POST", lambdasPath+"/byKind/tags/latest", ``)
	if got := results(t, out); got != "map[c:2]\n" {
		t.Errorf("latest without a body: %q", got)
	}
	// Without sql, a new version keeps the newest one's.
	v3 := data(a.ok("POST", lambdasPath+"/byKind/versions", `{"description":"third"}`))
	id3 := v3["version"].(string)
	if v3["sql"].(map[string]any)["query"] != "SELECT count(*) AS c FROM ev WHERE kind = :kind" {
		t.Errorf("version without sql: %v", v3)
	}
	a.expectError("POST", lambdasPath+"/missing/versions", `{"sql":{"query":"SELECT 1"}}`, 404, "NOTFOUND", "missing")
	made := data(a.ok("POST", lambdasPath+"/made/versions?create=true", `{"sql":{"query":"SELECT 1 AS one"}}`))
	if made["name"] != "made" || made["collections"] == nil || len(made["collections"].([]any)) != 0 {
		t.Errorf("created by ?create=true: %v", made)
	}
	a.expectError("POST", "/v1/orgs/self/ws/nows/lambdas/x/versions?create=true", `{"sql":{"query":"SELECT 1"}}`, 404, "NOTFOUND", "nows")

	// Versions list, newest first.
	list := a.ok("GET", lambdasPath+"/byKind/versions", "")["data"].([]any)
	if len(list) != 3 || list[0].(map[string]any)["version"] != id3 || list[2].(map[string]any)["version"] != id1 {
		t.Fatalf("versions: %v", list)
	}

	// Tags.
	tag := data(a.ok("POST", lambdasPath+"/byKind/tags", `{"tag_name":"prod","version":"`+id1+`"}`))
	if tag["tag_name"] != "prod" || tag["version"].(map[string]any)["version"] != id1 {
		t.Fatalf("tag: %v", tag)
	}
	tags := a.ok("GET", lambdasPath+"/byKind/tags", "")["data"].([]any)
	if len(tags) != 2 || tags[0].(map[string]any)["tag_name"] != "latest" || tags[0].(map[string]any)["version"].(map[string]any)["version"] != id3 ||
		tags[1].(map[string]any)["tag_name"] != "prod" {
		t.Fatalf("tags: %v", tags)
	}
	if got := data(a.ok("GET", lambdasPath+"/byKind/tags/prod", "")); got["version"].(map[string]any)["version"] != id1 {
		t.Errorf("GET tag: %v", got)
	}
	out = a.ok("POST", lambdasPath+"/byKind/tags/prod", `{"parameters":[{"name":"kind","type":"string","value":"view"}]}`)
	if got := results(t, out); got != "map[_id:2 n:5]\n" || out["query_lambda_path"] != "commons.byKind::"+id1 {
		t.Errorf("execute by tag: %q %v", got, out)
	}
	// Moving a tag.
	if got := data(a.ok("POST", lambdasPath+"/byKind/tags", `{"tag_name":"prod","version":"`+id2+`"}`)); got["version"].(map[string]any)["version"] != id2 {
		t.Errorf("moved tag: %v", got)
	}
	a.ok("POST", lambdasPath+"/byKind/tags", `{"tag_name":"prod","version":"`+id1+`"}`)
	a.expectError("POST", lambdasPath+"/byKind/tags", `{"tag_name":"latest","version":"`+id1+`"}`, 400, "INVALIDINPUT", "latest")
	a.expectError("POST", lambdasPath+"/byKind/tags", `{"tag_name":"x","version":"0000000000000000"}`, 404, "NOTFOUND", "0000000000000000")
	a.expectError("POST", lambdasPath+"/byKind/tags", `{"tag_name":"x"}`, 400, "INVALIDINPUT", "version")
	a.expectError("POST", lambdasPath+"/byKind/tags/nope", `{}`, 404, "NOTFOUND", "nope")
	a.expectError("GET", lambdasPath+"/byKind/tags/nope", "", 404, "NOTFOUND", "nope")
	a.expectError("DELETE", lambdasPath+"/byKind/tags/latest", "", 400, "INVALIDINPUT", "latest")

	// Deleting versions and tags.
	a.expectError("DELETE", lambdasPath+"/byKind/version/"+id1, "", 409, "DEPENDENTRESOURCES", "prod")
	if got := data(a.ok("DELETE", lambdasPath+"/byKind/tags/prod", "")); got["tag_name"] != "prod" || got["version"].(map[string]any)["version"] != id1 {
		t.Errorf("deleted tag: %v", got)
	}
	a.expectError("GET", lambdasPath+"/byKind/tags/prod", "", 404, "NOTFOUND", "prod")
	if got := data(a.ok("DELETE", lambdasPath+"/byKind/version/"+id1, "")); got["version"] != id1 {
		t.Errorf("deleted version: %v", got)
	}
	a.expectError("GET", exec1, "", 404, "NOTFOUND", id1)
	a.expectError("DELETE", lambdasPath+"/byKind/version/"+id1, "", 404, "NOTFOUND", id1)
	// Deleting the newest version moves latest back.
	a.ok("DELETE", lambdasPath+"/byKind/version/"+id3, "")
	if got := data(a.ok("GET", lambdasPath+"/byKind/tags/latest", "")); got["version"].(map[string]any)["version"] != id2 {
		t.Errorf("latest after deleting the newest: %v", got)
	}
	a.expectError("DELETE", lambdasPath+"/byKind/version/"+id2, "", 400, "INVALIDINPUT", "only version")

	// Lists: one entry per lambda, with its newest version.
	all := a.ok("GET", "/v1/orgs/self/lambdas", "")["data"].([]any)
	if len(all) != 2 {
		t.Fatalf("all lambdas: %v", all)
	}
	l := all[0].(map[string]any)
	if l["name"] != "byKind" || l["workspace"] != "commons" || l["version_count"].(float64) != 1 ||
		l["latest_version"].(map[string]any)["version"] != id2 || fmt.Sprint(l["collections"]) != "[commons.ev]" || l["last_updated"] == "" {
		t.Errorf("lambda entry: %v", l)
	}
	if inWs := a.ok("GET", lambdasPath, "")["data"].([]any); len(inWs) != 2 || inWs[1].(map[string]any)["name"] != "made" {
		t.Errorf("lambdas in commons: %v", inWs)
	}
	a.expectError("GET", "/v1/orgs/self/ws/nows/lambdas", "", 404, "NOTFOUND", "nows")

	// Delete a lambda: its last state, then it is gone.
	del := data(a.ok("DELETE", lambdasPath+"/made", ""))
	if del["name"] != "made" || del["version_count"].(float64) != 1 {
		t.Errorf("deleted lambda: %v", del)
	}
	a.expectError("GET", lambdasPath+"/made/versions", "", 404, "NOTFOUND", "made")
	a.expectError("DELETE", lambdasPath+"/made", "", 404, "NOTFOUND", "made")
	a.expectError("GET", lambdasPath+"/byKind", "", 405, "METHODNOTALLOWED", "GET")
	if n := len(a.ok("GET", "/v1/orgs/self/lambdas", "")["data"].([]any)); n != 1 {
		t.Errorf("%d lambdas after a delete", n)
	}
}

// TestLambdaWorkspaceAndCollectionDrop: a workspace with lambdas cannot be
// dropped (Rockset refuses non-empty workspaces); a dropped collection turns
// the versions reading it INVALID_SQL, and recreating it ACTIVE again.
func TestLambdaWorkspaceAndCollectionDrop(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	a.ok("POST", "/v1/orgs/self/ws", `{"name":"shop"}`)
	a.ok("POST", "/v1/orgs/self/ws/shop/collections", `{"name":"orders"}`)
	a.ok("POST", "/v1/orgs/self/ws/shop/collections/orders/docs", `{"data":[{"_id":"o1","total":10}]}`)
	const shop = "/v1/orgs/self/ws/shop/lambdas"
	v := data(a.ok("POST", shop, `{"name":"totals","sql":{"query":"SELECT sum(total) AS s FROM shop.orders"}}`))
	path := shop + "/totals/versions/" + v["version"].(string)

	a.ok("DELETE", "/v1/orgs/self/ws/shop/collections/orders", "")
	if got := data(a.ok("GET", path, "")); got["state"] != "INVALID_SQL" {
		t.Errorf("state after dropping the collection: %v", got["state"])
	}
	if l := a.ok("GET", shop, "")["data"].([]any)[0].(map[string]any); l["latest_version"].(map[string]any)["state"] != "INVALID_SQL" {
		t.Errorf("listed state: %v", l)
	}
	a.expectError("POST", path, `{}`, 400, "QUERY_ERROR", "orders")
	st := data(a.ok("GET", path, ""))["stats"].(map[string]any)
	if st["last_execution_error"] == nil || !strings.Contains(fmt.Sprint(st["last_execution_error_message"]), "orders") {
		t.Errorf("stats after a failed run: %v", st)
	}
	a.ok("POST", "/v1/orgs/self/ws/shop/collections", `{"name":"orders"}`)
	if got := data(a.ok("GET", path, "")); got["state"] != "ACTIVE" {
		t.Errorf("state after recreating the collection: %v", got["state"])
	}
	a.ok("DELETE", "/v1/orgs/self/ws/shop/collections/orders", "")

	a.expectError("DELETE", "/v1/orgs/self/ws/shop", "", 409, "DEPENDENTRESOURCES", "query lambda")
	a.ok("DELETE", shop+"/totals", "")
	a.ok("DELETE", "/v1/orgs/self/ws/shop", "")
	a.expectError("GET", shop, "", 404, "NOTFOUND", "shop")
	// A new workspace of the same name starts without lambdas.
	a.ok("POST", "/v1/orgs/self/ws", `{"name":"shop"}`)
	if n := len(a.ok("GET", shop, "")["data"].([]any)); n != 0 {
		t.Errorf("recreated workspace has %d lambdas", n)
	}
}

// TestLambdaRestart: lambdas, versions (ids included) and tags are in the
// catalog and survive a restart; deleted ones stay deleted.
func TestLambdaRestart(t *testing.T) {
	fs := vfs.NewMem()
	open := func() *apiTest {
		eng, err := storage.Open(storage.Options{Dir: "data", FS: fs, DisableBackground: true})
		if err != nil {
			t.Fatal(err)
		}
		api := New(Config{Engine: eng})
		return &apiTest{t: t, srv: httptest.NewServer(api), eng: eng, api: api}
	}
	closeAPI := func(a *apiTest) {
		a.srv.Close()
		a.api.Close()
		if err := a.eng.Close(); err != nil {
			t.Fatal(err)
		}
	}

	a := open()
	lambdaFixture(a)
	id1 := data(a.ok("POST", lambdasPath, `{"name":"q","description":"one","sql":{"query":"SELECT count(*) AS c FROM ev WHERE kind = :kind",
		"default_parameters":[{"name":"kind","type":"string","value":"click"}]}}`))["version"].(string)
	id2 := data(a.ok("POST", lambdasPath+"/q/versions", `{"description":"two","sql":{"query":"SELECT count(*) AS c FROM ev"}}`))["version"].(string)
	id3 := data(a.ok("POST", lambdasPath+"/q/versions", `{"description":"three","sql":{"query":"SELECT 3 AS c"}}`))["version"].(string)
	a.ok("POST", lambdasPath+"/q/tags", `{"tag_name":"prod","version":"`+id1+`"}`)
	a.ok("POST", lambdasPath+"/q/tags", `{"tag_name":"gone","version":"`+id1+`"}`)
	a.ok("DELETE", lambdasPath+"/q/tags/gone", "")
	a.ok("DELETE", lambdasPath+"/q/version/"+id3, "")
	a.ok("POST", lambdasPath, `{"name":"dropped","sql":{"query":"SELECT 1"}}`)
	a.ok("DELETE", lambdasPath+"/dropped", "")
	before := a.ok("GET", lambdasPath+"/q/versions", "")
	closeAPI(a)

	a = open()
	defer closeAPI(a)
	after := a.ok("GET", lambdasPath+"/q/versions", "")
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("versions changed across a restart:\n%v\n%v", before, after)
	}
	vs := after["data"].([]any)
	if len(vs) != 2 || vs[0].(map[string]any)["version"] != id2 || vs[1].(map[string]any)["version"] != id1 {
		t.Fatalf("versions after restart: %v", vs)
	}
	tags := a.ok("GET", lambdasPath+"/q/tags", "")["data"].([]any)
	if len(tags) != 2 || tags[1].(map[string]any)["tag_name"] != "prod" || tags[1].(map[string]any)["version"].(map[string]any)["version"] != id1 {
		t.Errorf("tags after restart: %v", tags)
	}
	if got := results(t, a.ok("POST", lambdasPath+"/q/tags/prod", `{}`)); got != "map[c:2]\n" {
		t.Errorf("prod after restart: %q", got)
	}
	if got := results(t, a.ok("POST", lambdasPath+"/q/tags/latest", `{}`)); got != "map[c:3]\n" {
		t.Errorf("latest after restart: %q", got)
	}
	if all := a.ok("GET", "/v1/orgs/self/lambdas", "")["data"].([]any); len(all) != 1 {
		t.Errorf("lambdas after restart: %v", all)
	}
	// New versions continue the sequence: the newest is still the newest.
	id4 := data(a.ok("POST", lambdasPath+"/q/versions", `{"sql":{"query":"SELECT 4 AS c"}}`))["version"].(string)
	if got := data(a.ok("GET", lambdasPath+"/q/tags/latest", "")); got["version"].(map[string]any)["version"] != id4 {
		t.Errorf("latest after a new version: %v", got)
	}
}

func TestQueryValidation(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	lambdaFixture(a)
	const path = "/v1/orgs/self/queries/validations"
	out := a.ok("POST", path, `{"sql":{"query":"SELECT e.n, 1/0 AS z FROM ev e JOIN commons.ev f ON e._id = f._id WHERE e.kind = :kind AND e.n > :min LIMIT :lim"}}`)
	if fmt.Sprint(out["collections"]) != "[commons.ev]" || fmt.Sprint(out["parameters"]) != "[kind min lim]" {
		t.Errorf("validation: %v", out)
	}
	out = a.ok("POST", path, `{"sql":{"query":"SELECT 1","parameters":[{"name":"x","type":"int","value":"1"}]}}`)
	if fmt.Sprint(out["collections"]) != "[]" || fmt.Sprint(out["parameters"]) != "[]" {
		t.Errorf("validation without collections: %v", out)
	}
	code, out := a.do("POST", path, `{"sql":{"query":"SELECT\n  FROM WHERE"}}`)
	if code != 400 || out["type"] != "QUERY_ERROR" || out["line"] == nil {
		t.Errorf("syntax error: %d %v", code, out)
	}
	a.expectError("POST", path, `{"sql":{"query":"SELECT * FROM nope"}}`, 400, "QUERY_ERROR", "nope")
	a.expectError("POST", path, `{"sql":{"query":"SELECT :x","parameters":[{"name":"x","type":"int","value":"y"}]}}`, 400, "INVALIDINPUT", "not a valid int")
	// A JSON number is taken as it is: 1.5 is no int (2.0 is).
	a.expectError("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT :x","parameters":[{"name":"x","type":"int","value":1.5}]}}`, 400, "INVALIDINPUT", "1.5 is not a valid int")
	if out := a.ok("POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT :x AS x","parameters":[{"name":"x","type":"int","value":2.0}]}}`); fmt.Sprint(out["results"]) != "[map[x:2]]" {
		t.Errorf("int parameter 2.0: %v", out["results"])
	}
	a.expectError("POST", path, `{}`, 400, "INVALIDINPUT", "sql")
	a.expectError("GET", path, "", 405, "METHODNOTALLOWED", "POST")
}
