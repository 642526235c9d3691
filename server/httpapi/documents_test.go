package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// idResults returns each document result as "_id STATUS" (null for no _id),
// with the error message after a colon for errors.
func idResults(t *testing.T, out map[string]any) []string {
	t.Helper()
	var s []string
	for _, r := range out["data"].([]any) {
		m := r.(map[string]any)
		id := "null"
		if m["_id"] != nil {
			id = m["_id"].(string)
		}
		line := id + " " + m["status"].(string)
		if e, ok := m["error"].(map[string]any); ok {
			line += ": " + e["message"].(string)
		}
		s = append(s, line)
	}
	return s
}

// checkResults compares idResults with want, whose lines must be prefixes
// (messages are long; their start names the problem).
func checkResults(t *testing.T, out map[string]any, want []string) {
	t.Helper()
	got := idResults(t, out)
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("result %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

// TestFailedDocumentKeepsID: a document that breaks an input limit fails
// alone, and its error result names it by its top-level _id when it has
// one, on every write path (POST, PATCH, DELETE, a field mapping query).
func TestFailedDocumentKeepsID(t *testing.T) {
	a := newAPITest(t, types.Limits{MaxDepth: 3, MaxDocBytes: 200, MaxFieldNameBytes: 16}, 1<<16)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"c2"}`)
	const docs = "/v1/orgs/self/ws/commons/collections/c2/docs"
	out := a.ok("POST", docs, `{"data":[
		{"_id":"f1","":1},
		{"_id":"f2","a":1,"a":2},
		{"_id":"f3","x":[[[1]]]},
		{"_id":"f4","pad":"`+strings.Repeat("x", 250)+`"},
		{"_id":"f5","s":"`+"\xff"+`"},
		{"_id":"f6","n":1e999},
		{"_id":"f7","this-name-is-far-too-long":1},
		{"_id":7,"":1},
		{"_id":7.0,"":1},
		{"_id":1e2,"":1},
		{"_id":-2.5,"":1},
		{"":1,"_id":"f8"},
		{"bad`+"\xff"+`name":1,"_id":"f9"},
		{"_i\u0064":"f10","":1},
		{"_id" : "f11" , "x":{"_id":"inner","":1}},
		{"_id":"ok1","v":1},
		{"x":{"_id":"nested"},"":1},
		{"_id":"d1","_id":"d2"},
		{"_id":["arr"],"":1},
		{"_id":{"a":1},"":1},
		{"_id":null,"":1},
		{"_id":"","":1},
		{"_id":"`+"\xff"+`","v":1},
		{"_id":1e999},
		[[[[1]]]],
		{"_id":"ok2","v":2}
	]}`)
	checkResults(t, out, []string{
		"f1 ERROR: document 0: field name must not be empty",
		"f2 ERROR: document 1: duplicate field name",
		"f3 ERROR: document 2: nesting depth exceeds the limit of 3",
		"f4 ERROR: document 3: document is",
		"f5 ERROR: document 4: string is not valid UTF-8 at /s",
		"f6 ERROR: document 5: number 1e999 is out of range at /n",
		"f7 ERROR: document 6: field name is 25 bytes",
		// Numbers are normalised as valid documents' ids are.
		"7 ERROR", "7 ERROR", "100 ERROR", "-2.5 ERROR",
		// The _id may come after the problem, and be spelled with escapes.
		"f8 ERROR", "f9 ERROR", "f10 ERROR", "f11 ERROR",
		"ok1 ADDED",
		// Only the top level counts; an ambiguous or unacceptable _id is
		// no _id.
		"null ERROR", "null ERROR: document 17: duplicate field name \"_id\"", "null ERROR", "null ERROR", "null ERROR", "null ERROR",
		"null ERROR: document 22: string is not valid UTF-8 at /_id",
		"null ERROR: document 23: number 1e999 is out of range at /_id",
		"null ERROR: document 24: nesting depth",
		"ok2 ADDED",
	})
	if n := a.docCount("commons", "c2"); n != 2 {
		t.Fatalf("doc_count %v, want 2", n)
	}

	out = a.ok("PATCH", docs, `{"data":[
		{"_id":"ok1","patch":[{"op":"add","path":"/w","value":[[[1]]]}]},
		{"_id":"ok1","patch":[{"op":"add","path":"/w","value":1}]}
	]}`)
	checkResults(t, out, []string{"ok1 ERROR: patch 0: nesting depth", "ok1 PATCHED"})

	out = a.ok("DELETE", docs, `{"data":[{"_id":"ok1","":1},{"_id":"gone"},{"_id":"ok2"}]}`)
	checkResults(t, out, []string{"ok1 ERROR: document 0: field name must not be empty", "gone ERROR", "ok2 DELETED"})
	if n := a.docCount("commons", "c2"); n != 1 {
		t.Fatalf("doc_count %v after the deletes, want 1 (ok1 kept)", n)
	}

	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"mapped","field_mapping_query":{"sql":"SELECT * FROM _input"}}`)
	out = a.ok("POST", "/v1/orgs/self/ws/commons/collections/mapped/docs", `{"data":[{"_id":"t1","":1},{"_id":"t2"}]}`)
	checkResults(t, out, []string{"t1 ERROR: document 0: field name must not be empty", "t2 ADDED"})
}

// TestFailedDocumentIDExample is the audit's example, whole.
func TestFailedDocumentIDExample(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	a.ok("POST", "/v1/orgs/self/ws", `{"name":"w1"}`)
	a.ok("POST", "/v1/orgs/self/ws/w1/collections", `{"name":"c2"}`)
	out := a.ok("POST", "/v1/orgs/self/ws/w1/collections/c2/docs", `{"data":[{"_id":"f1","":1}]}`)
	r := out["data"].([]any)[0].(map[string]any)
	if r["_id"] != "f1" || r["status"] != "ERROR" || fmt.Sprint(r["error"]) != "map[message:document 0: field name must not be empty at / type:INVALIDINPUT]" {
		t.Fatalf("result %v", r)
	}
}

// TestBigIntegerID: an integer _id out of the int64 range is its exact
// digits, on every write path, while 100, 1e2, 100.0 and "100" stay one _id.
func TestBigIntegerID(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"big"}`)
	const docs = "/v1/orgs/self/ws/commons/collections/big/docs"
	out := a.ok("POST", docs, `{"data":[
		{"_id":12345678901234567890,"v":1},
		{"_id":12345678901234567891,"v":2},
		{"_id":-12345678901234567890,"v":3},
		{"_id":100,"v":4},
		{"_id":1e2,"v":5},
		{"_id":100.0,"v":6},
		{"_id":"100","v":7},
		{"_id":"12345678901234567890","v":8},
		{"_id":12345678901234567892,"":1}
	]}`)
	checkResults(t, out, []string{
		"12345678901234567890 ADDED",
		"12345678901234567891 ADDED",
		"-12345678901234567890 ADDED",
		"100 ADDED", "100 REPLACED", "100 REPLACED", "100 REPLACED",
		"12345678901234567890 REPLACED",
		"12345678901234567892 ERROR: document 8: field name must not be empty",
	})
	s, err := a.eng.Snapshot("commons", "big")
	if err != nil {
		t.Fatal(err)
	}
	doc, ok, err := s.Get("12345678901234567891")
	s.Close()
	if err != nil || !ok || doc.Get("_id").Str() != "12345678901234567891" || doc.Get("v").Int() != 2 {
		t.Fatalf("Get(12345678901234567891) = %s, %v, %v", doc, ok, err)
	}

	out = a.ok("PATCH", docs, `{"data":[{"_id":12345678901234567891,"patch":[{"op":"add","path":"/w","value":1}]}]}`)
	checkResults(t, out, []string{"12345678901234567891 PATCHED"})
	out = a.ok("DELETE", docs, `{"data":[{"_id":12345678901234567890},{"_id":12345678901234567893}]}`)
	checkResults(t, out, []string{"12345678901234567890 DELETED", "12345678901234567893 ERROR"})
	if n := a.docCount("commons", "big"); n != 3 {
		t.Fatalf("doc_count %v, want 3", n)
	}
}

// TestWriteErrorOrder: documents are prepared as they are decoded, against
// a collection looked up first; a body that does not parse is still the
// error reported before a collection that does not exist, and the
// documents of a good body written to a missing collection are refused
// whole.
func TestWriteErrorOrder(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 1<<16)
	const missing = "/v1/orgs/self/ws/commons/collections/missing/docs"
	a.expectError("POST", missing, `{"data":[{"a":1},`, 400, "INVALIDINPUT", "malformed request body")
	a.expectError("POST", missing, `{"data":[{"a":1}]}`, 404, "NOTFOUND", "missing")
	a.expectError("DELETE", missing, `{"data":[{"_id":"x"}]}`, 404, "NOTFOUND", "missing")
	a.ok("POST", "/v1/orgs/self/ws/commons/collections", `{"name":"c"}`)
	const docs = "/v1/orgs/self/ws/commons/collections/c/docs"
	a.expectError("POST", docs, `{"data":[{"_id":"a"},{"_id":"b"},`, 400, "INVALIDINPUT", "malformed request body")
	out := a.ok("POST", docs, `{"data":[{"_id":"a","v":1},{"_id":"b","_op":"nope"},{"_id":"c","v":3}]}`)
	checkResults(t, out, []string{"a ADDED", "b ERROR", "c ADDED"})
}
