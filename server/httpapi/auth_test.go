package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/storage"
	"github.com/cockroachdb/pebble/v2/vfs"
)

const testAdminKey = "test-admin-key-0123456789"

// authTest is an API with a key store and a settable clock for expiry.
type authTest struct {
	*apiTest
	keys *auth.Store
	mu   sync.Mutex
	now  time.Time
}

func newAuthTest(t *testing.T, required bool) *authTest {
	t.Helper()
	eng, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	at := &authTest{now: time.Now().UTC()}
	at.keys, err = auth.Open(eng.Catalog(), auth.Options{Required: required, Now: at.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := at.keys.Bootstrap(testAdminKey, ""); err != nil {
		t.Fatal(err)
	}
	at.apiTest = newAPITestConfig(t, eng, Config{Engine: eng, Keys: at.keys})
	return at
}

func (at *authTest) clock() time.Time {
	at.mu.Lock()
	defer at.mu.Unlock()
	return at.now
}

func (at *authTest) advance(d time.Duration) {
	at.mu.Lock()
	at.now = at.now.Add(d)
	at.mu.Unlock()
}

// as sends a request with key ("" for none) and decodes the JSON answer.
func (at *authTest) as(key, method, path, body string) (int, map[string]any, http.Header) {
	at.t.Helper()
	req, err := http.NewRequest(method, at.srv.URL+path, strings.NewReader(body))
	if err != nil {
		at.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "ApiKey "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		at.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		at.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, raw)
	}
	return resp.StatusCode, out, resp.Header
}

// want checks an answer's status and, for errors, its Rockset type.
func (at *authTest) want(key, method, path, body string, status int, typ string) map[string]any {
	at.t.Helper()
	code, out, _ := at.as(key, method, path, body)
	if code != status || (typ != "" && out["type"] != typ) {
		at.t.Fatalf("%s %s: %d %v, want %d %s", method, path, code, out, status, typ)
	}
	return out
}

// createKey creates a key as the admin and returns its secret.
func (at *authTest) createKey(body string) string {
	at.t.Helper()
	out := at.want(testAdminKey, "POST", "/v1/orgs/self/users/self/apikeys", body, 200, "")
	return out["data"].(map[string]any)["key"].(string)
}

const keysPath = "/v1/orgs/self/users/self/apikeys"

func TestAPIKeyLifecycle(t *testing.T) {
	at := newAuthTest(t, true)
	code, out, h := at.as("", "GET", "/v1/orgs/self/ws", "")
	if code != 401 || out["type"] != "AUTHEXCEPTION" || !strings.Contains(h.Get("WWW-Authenticate"), "ApiKey") {
		t.Fatalf("no key: %d %v %v", code, out, h)
	}
	at.want("bsk_wrong", "GET", "/v1/orgs/self/ws", "", 401, "AUTHEXCEPTION")
	at.want("", "GET", "/v1/orgs/self/nosuch", "", 401, "AUTHEXCEPTION")
	at.want("", "GET", "/healthz", "", 200, "")
	at.want(testAdminKey, "GET", "/v1/orgs/self/ws", "", 200, "")

	out = at.want(testAdminKey, "POST", keysPath, `{"name":"app","role":"member"}`, 200, "")
	d := out["data"].(map[string]any)
	secret := d["key"].(string)
	if !strings.HasPrefix(secret, auth.KeyPrefix) || d["role"] != "member" || d["state"] != "ACTIVE" || d["name"] != "app" || d["created_by"] != "admin" {
		t.Fatalf("created: %v", d)
	}
	at.want(testAdminKey, "POST", keysPath, `{"name":"app","role":"member"}`, 409, "ALREADYEXISTS")
	at.want(testAdminKey, "POST", keysPath, `{"name":"x","role":"owner"}`, 400, "INVALIDINPUT")
	at.want(testAdminKey, "POST", keysPath, `{"role":"member"}`, 400, "INVALIDINPUT")

	// Lists and gets never show the key again.
	list := at.want(testAdminKey, "GET", keysPath, "", 200, "")["data"].([]any)
	if len(list) != 2 {
		t.Fatalf("list: %v", list)
	}
	for _, k := range list {
		k := k.(map[string]any)
		key := k["key"].(string)
		if len(key) != 6 || (k["name"] == "app" && key != secret[len(secret)-6:]) {
			t.Fatalf("listed key shows %q", key)
		}
	}
	got := at.want(testAdminKey, "GET", "/v1/orgs/self/users/admin/apikeys/app", "", 200, "")["data"].(map[string]any)
	if got["key"] != secret[len(secret)-6:] {
		t.Fatalf("get: %v", got)
	}
	at.want(testAdminKey, "GET", "/v1/orgs/self/users/admin/apikeys/nosuch", "", 404, "NOTFOUND")

	at.want(secret, "GET", "/v1/orgs/self/ws", "", 200, "")
	if last := at.want(testAdminKey, "GET", keysPath+"/app", "", 200, "")["data"].(map[string]any)["last_access_time"]; last == nil {
		t.Fatal("last_access_time not set after use")
	}

	// Suspend, resume.
	out = at.want(testAdminKey, "POST", keysPath+"/app", `{"state":"SUSPENDED"}`, 200, "")
	if out["data"].(map[string]any)["state"] != "SUSPENDED" {
		t.Fatalf("suspend: %v", out)
	}
	at.want(secret, "GET", "/v1/orgs/self/ws", "", 401, "AUTHEXCEPTION")
	at.want(testAdminKey, "POST", keysPath+"/app", `{"state":"ACTIVE"}`, 200, "")
	at.want(secret, "GET", "/v1/orgs/self/ws", "", 200, "")
	at.want(testAdminKey, "POST", keysPath+"/app", `{"state":"GONE"}`, 400, "INVALIDINPUT")

	// Expiry.
	at.want(testAdminKey, "POST", keysPath, `{"name":"old","role":"member","expiry_time":"2001-01-01T00:00:00Z"}`, 400, "INVALIDINPUT")
	exp := at.clock().Add(time.Hour).Format(time.RFC3339)
	temp := at.createKey(`{"name":"temp","role":"read-only","expiry_time":"` + exp + `"}`)
	at.want(temp, "GET", "/v1/orgs/self/ws", "", 200, "")
	at.advance(time.Hour)
	out = at.want(temp, "GET", "/v1/orgs/self/ws", "", 401, "AUTHEXCEPTION")
	if !strings.Contains(out["message"].(string), "expired") {
		t.Fatalf("expired: %v", out)
	}

	// Revoke.
	at.want(testAdminKey, "DELETE", keysPath+"/app", "", 200, "")
	at.want(secret, "GET", "/v1/orgs/self/ws", "", 401, "AUTHEXCEPTION")
	at.want(testAdminKey, "DELETE", keysPath+"/app", "", 404, "NOTFOUND")
	// The last admin key stays.
	at.want(testAdminKey, "DELETE", "/v1/orgs/self/users/admin/apikeys/admin", "", 400, "INVALIDINPUT")
}

func TestRoles(t *testing.T) {
	at := newAuthTest(t, true)
	ro := at.createKey(`{"name":"ro","role":"read-only"}`)
	member := at.createKey(`{"name":"m","role":"member"}`)
	const coll = "/v1/orgs/self/ws/commons/collections"
	at.want(testAdminKey, "POST", coll, `{"name":"t"}`, 200, "")
	at.want(testAdminKey, "POST", coll+"/t/docs", `{"data":[{"_id":"1","a":1}]}`, 200, "")
	query := func(sql string) string { return `{"sql":{"query":"` + sql + `"}}` }

	// Read-only reads, and nothing else.
	at.want(ro, "GET", coll+"/t", "", 200, "")
	out := at.want(ro, "POST", "/v1/orgs/self/queries", query("SELECT a FROM t"), 200, "")
	if n := len(out["results"].([]any)); n != 1 {
		t.Fatalf("read-only query: %v", out)
	}
	at.want(ro, "POST", coll+"/t/docs", `{"data":[{"a":2}]}`, 403, "FORBIDDEN")
	at.want(ro, "PATCH", coll+"/t/docs", `{"data":[{"_id":"1","patch":[{"op":"add","path":"/b","value":1}]}]}`, 403, "FORBIDDEN")
	at.want(ro, "DELETE", coll+"/t/docs", `{"data":[{"_id":"1"}]}`, 403, "FORBIDDEN")
	at.want(ro, "POST", coll, `{"name":"u"}`, 403, "FORBIDDEN")
	at.want(ro, "DELETE", coll+"/t", "", 403, "FORBIDDEN")
	at.want(ro, "POST", "/v1/orgs/self/ws", `{"name":"w"}`, 403, "FORBIDDEN")
	out = at.want(ro, "POST", "/v1/orgs/self/queries", query("INSERT INTO t SELECT 2 AS a"), 403, "FORBIDDEN")
	if out["sqlstate"] != "42501" {
		t.Fatalf("read-only INSERT: %v", out)
	}
	at.want(ro, "POST", "/v1/orgs/self/ws/commons/lambdas", `{"name":"l","sql":{"query":"SELECT 1"}}`, 403, "FORBIDDEN")
	at.want(ro, "GET", keysPath, "", 403, "FORBIDDEN")

	// A member writes, creates and drops, but does not manage keys.
	at.want(member, "POST", coll+"/t/docs", `{"data":[{"_id":"2","a":2}]}`, 200, "")
	at.want(member, "POST", "/v1/orgs/self/queries", query("INSERT INTO t SELECT 3 AS a"), 200, "")
	at.want(member, "POST", coll, `{"name":"u"}`, 200, "")
	at.want(member, "DELETE", coll+"/u", "", 200, "")
	at.want(member, "POST", "/v1/orgs/self/ws/commons/lambdas", `{"name":"l","sql":{"query":"SELECT count(*) AS n FROM t"}}`, 200, "")
	at.want(member, "GET", keysPath, "", 403, "FORBIDDEN")
	at.want(member, "POST", keysPath, `{"name":"mine","role":"member"}`, 403, "FORBIDDEN")
	at.want(member, "DELETE", "/v1/orgs/self/users/admin/apikeys/ro", "", 403, "FORBIDDEN")

	// Running a lambda reads.
	out = at.want(ro, "POST", "/v1/orgs/self/ws/commons/lambdas/l/tags/latest", `{}`, 200, "")
	if res := out["results"].([]any); len(res) != 1 || res[0].(map[string]any)["n"] != float64(3) {
		t.Fatalf("lambda run by a read-only key: %v", out)
	}
	at.want(ro, "DELETE", "/v1/orgs/self/ws/commons/lambdas/l", "", 403, "FORBIDDEN")
}

func TestWorkspaceLimitedKey(t *testing.T) {
	at := newAuthTest(t, true)
	for _, ws := range []string{"shop", "iot"} {
		at.want(testAdminKey, "POST", "/v1/orgs/self/ws", `{"name":"`+ws+`"}`, 200, "")
		at.want(testAdminKey, "POST", "/v1/orgs/self/ws/"+ws+"/collections", `{"name":"events"}`, 200, "")
		at.want(testAdminKey, "POST", "/v1/orgs/self/ws/"+ws+"/collections/events/docs", `{"data":[{"ws":"`+ws+`"}]}`, 200, "")
	}
	at.want(testAdminKey, "POST", "/v1/orgs/self/ws/shop/lambdas", `{"name":"l","sql":{"query":"SELECT 1 AS one"}}`, 200, "")
	at.want(testAdminKey, "POST", "/v1/orgs/self/ws/iot/lambdas", `{"name":"l","sql":{"query":"SELECT 1 AS one"}}`, 200, "")
	at.want(testAdminKey, "POST", keysPath, `{"name":"bad","role":"admin","workspaces":["shop"]}`, 400, "INVALIDINPUT")
	shop := at.createKey(`{"name":"shop","role":"member","workspaces":["shop"]}`)

	names := func(path, field string) []string {
		var out []string
		for _, x := range at.want(shop, "GET", path, "", 200, "")["data"].([]any) {
			out = append(out, x.(map[string]any)[field].(string))
		}
		return out
	}
	if got := names("/v1/orgs/self/ws", "name"); len(got) != 1 || got[0] != "shop" {
		t.Fatalf("workspaces seen: %v", got)
	}
	if got := names("/v1/orgs/self/collections", "workspace"); len(got) != 1 || got[0] != "shop" {
		t.Fatalf("collections seen: %v", got)
	}
	if got := names("/v1/orgs/self/lambdas", "workspace"); len(got) != 1 || got[0] != "shop" {
		t.Fatalf("lambdas seen: %v", got)
	}
	at.want(shop, "GET", "/v1/orgs/self/ws/shop/collections/events", "", 200, "")
	at.want(shop, "POST", "/v1/orgs/self/ws/shop/collections/events/docs", `{"data":[{"a":1}]}`, 200, "")
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/v1/orgs/self/ws/iot", ""},
		{"GET", "/v1/orgs/self/ws/commons", ""},
		{"GET", "/v1/orgs/self/ws/iot/collections", ""},
		{"GET", "/v1/orgs/self/ws/iot/collections/events", ""},
		{"GET", "/v1/orgs/self/ws/nosuch/collections/events", ""},
		{"POST", "/v1/orgs/self/ws/iot/collections/events/docs", `{"data":[{"a":1}]}`},
		{"POST", "/v1/orgs/self/ws/iot/collections", `{"name":"x"}`},
		{"POST", "/v1/orgs/self/ws", `{"name":"other"}`},
		{"DELETE", "/v1/orgs/self/ws/iot", ""},
		{"POST", "/v1/orgs/self/ws/iot/lambdas/l/tags/latest", `{}`},
		{"POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT * FROM iot.events"}}`},
		{"POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT * FROM shop.events e JOIN iot.events f ON true"}}`},
		{"POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT 1 AS x FROM events"}}`}, // commons
		{"POST", "/v1/orgs/self/queries/validations", `{"sql":{"query":"SELECT * FROM iot.events"}}`},
	} {
		at.want(shop, r.method, r.path, r.body, 403, "FORBIDDEN")
	}
	out := at.want(shop, "POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT count(*) AS n FROM shop.events"}}`, 200, "")
	if n := out["results"].([]any)[0].(map[string]any)["n"]; n != float64(2) {
		t.Fatalf("count: %v", out)
	}
	out = at.want(shop, "POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT * FROM shop.events"},"max_initial_results":0}`, 200, "")
	mine := out["query_id"].(string)
	at.want(shop, "POST", "/v1/orgs/self/ws/shop/lambdas/l/tags/latest", `{}`, 200, "")

	// Queries: the key sees its own, not the admin's; the admin sees all.
	out = at.want(testAdminKey, "POST", "/v1/orgs/self/queries", `{"sql":{"query":"SELECT * FROM iot.events"},"max_initial_results":0}`, 200, "")
	theirs := out["query_id"].(string)
	at.want(shop, "GET", "/v1/orgs/self/queries/"+theirs, "", 404, "NOTFOUND")
	at.want(shop, "GET", "/v1/orgs/self/queries/"+theirs+"/pages", "", 404, "NOTFOUND")
	at.want(shop, "DELETE", "/v1/orgs/self/queries/"+theirs, "", 404, "NOTFOUND")
	at.want(testAdminKey, "GET", "/v1/orgs/self/queries/"+theirs, "", 200, "")
	at.want(shop, "GET", "/v1/orgs/self/queries/"+mine+"/pages", "", 200, "")
	at.want(testAdminKey, "GET", "/v1/orgs/self/queries/"+mine, "", 200, "")
}

func TestOpenModeNeedsNoKey(t *testing.T) {
	at := newAuthTest(t, false)
	at.want("", "GET", "/v1/orgs/self/ws", "", 200, "")
	at.want("anything", "POST", "/v1/orgs/self/ws", `{"name":"w"}`, 200, "")
	// Keys can be managed before authentication is turned on; "self" is
	// the bootstrap user.
	out := at.want("", "POST", keysPath, `{"name":"later","role":"read-only"}`, 200, "")
	if d := out["data"].(map[string]any); d["created_by"] != auth.BootstrapUser || !strings.HasPrefix(d["key"].(string), auth.KeyPrefix) {
		t.Fatalf("created in open mode: %v", d)
	}
	if n := len(at.want("", "GET", keysPath, "", 200, "")["data"].([]any)); n != 2 {
		t.Fatalf("%d keys", n)
	}
}

func TestAPIKeyHeader(t *testing.T) {
	for h, want := range map[string]string{
		"ApiKey abc":    "abc",
		"apikey  abc ":  "abc",
		"Bearer abc":    "abc",
		"Basic abc":     "",
		"ApiKey":        "",
		"":              "",
		"ApiKey a b c ": "a b c",
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", h)
		if got := apiKeyOf(r); got != want {
			t.Errorf("%q: %q, want %q", h, got, want)
		}
	}
}
