package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/ingest/file"
	"github.com/basaltdb/basalt/types"
)

// TestLoadCLI loads NDJSON, JSON and CSV files with bad documents among
// good ones, and checks what landed through queries.
func TestLoadCLI(t *testing.T) {
	startServer(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nd := write("a.ndjson", `{"_id":"n1","a":1}
{"_id":"n2","_meta":1}

not json
[1]
{"_id":"n3","a":3}
`)
	js := write("b.json", `[
 {"_id":"j1","v":1},
 {"_id":"j2",
  "_meta":2},
 5,
 {"_id":"j3", "nested": {"x": [1, 2]}}
]
`)
	one := write("one.json", `{"_id":"o1","v":"single"}`)
	cs := write("c.csv", "id,zip,n,f,b,e,s\n"+
		"c1,02139,42,1.5,true,,hello\n"+
		"c2,007,-3,1e3,false,x,\"a,b\"\n"+
		"c3,4\n"+
		"c4,0,0,-0.5,TRUE,,12 apples\n")
	count := func(coll string) string {
		t.Helper()
		out, errOut, err := runBasalt("sql", "--format", "csv", "-c", "SELECT count(*) AS n FROM "+coll)
		if err != nil {
			t.Fatalf("count: %v %s", err, errOut)
		}
		return strings.TrimPrefix(strings.TrimSpace(out), "n\n")
	}

	// Without --create, a missing collection is an error that says so.
	if _, _, err := runBasalt("load", nd, "--collection", "shop.ld"); err == nil || !strings.Contains(err.Error(), "--create") {
		t.Fatalf("missing collection: %v", err)
	}

	// --batch 2 makes bad documents share requests with good ones.
	_, errOut, err := runBasalt("load", nd, js, one, cs, "--collection", "shop.ld", "--create", "--batch", "2")
	if err == nil || err.Error() != "6 documents failed to load" {
		t.Fatalf("load: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"created collection shop.ld",
		"8 documents written to shop.ld",
		"6 failed:",
		"2 × field _meta is reserved for Basalt's own metadata (" + nd + ":2, " + js + ":3)",
		"1 × invalid JSON: invalid character 'o' in literal null (expecting 'u') (" + nd + ":4)",
		"1 × a document must be a JSON object, got array (" + nd + ":5)",
		"1 × a document must be a JSON object, got number (" + js + ":5)",
		"1 × 2 fields where the header names 7 (" + cs + ":4)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	if n := count("shop.ld"); n != "8" {
		t.Fatalf("%s documents in shop.ld, want 8", n)
	}
	out, _, err := runBasalt("sql", "--format", "json", "-c", "SELECT _id, a, v, nested FROM shop.ld WHERE id IS NULL ORDER BY _id")
	if err != nil || out != `{"_id":"j1","v":1}
{"_id":"j3","nested":{"x":[1,2]}}
{"_id":"n1","a":1}
{"_id":"n3","a":3}
{"_id":"o1","v":"single"}
` {
		t.Fatalf("JSON documents: %v\n%s", err, out)
	}

	// CSV cells are typed as COPY types them.
	out, _, err = runBasalt("sql", "--format", "json", "-c", "SELECT id, zip, n, f, b, e, s FROM shop.ld WHERE id IS NOT NULL ORDER BY id")
	if err != nil || out != `{"id":"c1","zip":"02139","n":42,"f":1.5,"b":true,"e":null,"s":"hello"}
{"id":"c2","zip":"007","n":-3,"f":1000.0,"b":false,"e":"x","s":"a,b"}
{"id":"c4","zip":0,"n":0,"f":-0.5,"b":"TRUE","e":null,"s":"12 apples"}
` {
		t.Fatalf("CSV documents: %v\n%s", err, out)
	}

	// Loading again replaces by _id, and a clean load exits 0.
	if _, errOut, err := runBasalt("load", one, "--collection", "shop.ld"); err != nil || !strings.Contains(errOut, "1 document written") || strings.Contains(errOut, "created") {
		t.Fatalf("reload: %v %s", err, errOut)
	}
	if n := count("shop.ld"); n != "8" {
		t.Fatalf("%s documents in shop.ld after a reload, want 8", n)
	}

	// stdin, with the format given or sniffed; a bare name is in commons.
	var big strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&big, "{\"i\":%d}\n", i)
	}
	if _, errOut, err := runBasaltIn(big.String(), "load", "-", "--collection", "many", "--create"); err != nil || !strings.Contains(errOut, "2,500 documents written to commons.many") {
		t.Fatalf("stdin: %v %s", err, errOut)
	}
	if n := count("many"); n != "2500" {
		t.Fatalf("%s documents in commons.many, want 2500", n)
	}
	if _, errOut, err := runBasaltIn("k,v\na,1\nb,2\n", "load", "-", "--collection", "fresh.csv2", "--create", "--format", "csv"); err != nil || !strings.Contains(errOut, "2 documents written") {
		t.Fatalf("stdin csv: %v %s", err, errOut)
	}
	if n := count("fresh.csv2"); n != "2" {
		t.Fatalf("%s documents in fresh.csv2, want 2", n)
	}
	// An integer _id past int64 keeps its digits, as in JSON.
	if _, errOut, err := runBasaltIn("_id,v\n12345678901234567890,1\n12345678901234567891,2\n", "load", "-", "--collection", "bigid", "--create", "--format", "csv"); err != nil || !strings.Contains(errOut, "2 documents written") {
		t.Fatalf("stdin csv of big ids: %v %s", err, errOut)
	}
	if out, _, err := runBasalt("sql", "--format", "csv", "-c", "SELECT _id FROM bigid ORDER BY _id"); err != nil || out != "_id\n12345678901234567890\n12345678901234567891\n" {
		t.Fatalf("big ids from CSV: %v\n%s", err, out)
	}

	// A message with quotes (escaped in the answer) is reported whole,
	// after many more answers went through the reused decoders.
	var quoted strings.Builder
	quoted.WriteString(`{"_id":"q0","_op":"BOGUS"}` + "\n")
	for i := range 40 {
		fmt.Fprintf(&quoted, "{\"_id\":\"q%d\",\"s\":\"\\\"escaped\\\" %d\"}\n", i+1, i)
	}
	qf := write("quoted.ndjson", quoted.String())
	_, errOut, err = runBasalt("load", qf, "--collection", "shop.quoted", "--create", "--batch", "2", "--concurrency", "1")
	if want := `1 × field _op is "BOGUS"; want INSERT, UPDATE, UPSERT, DELETE, REPLACE or REPSERT (` + qf + `:1)`; err == nil || !strings.Contains(errOut, want) {
		t.Fatalf("quoted message: %v\n%s\nwant %s", err, errOut, want)
	}

	// JSON that cannot be read stops its file, not the others; the load
	// still fails.
	broken := write("broken.json", "[{\"_id\":\"x1\"},\n{\"_id\": oops}]")
	_, errOut, err = runBasalt("load", broken, one, "--collection", "shop.ld")
	if err == nil || !strings.Contains(errOut, "broken.json: bad JSON at line 2") || !strings.Contains(errOut, "2 documents written") {
		t.Fatalf("broken JSON: %v\n%s", err, errOut)
	}
	if _, _, err := runBasalt("load", nd, "--collection", "a.b.c"); err == nil || !strings.Contains(err.Error(), "WORKSPACE.COLLECTION") {
		t.Fatalf("bad --collection: %v", err)
	}
}

// TestDocBatchBody checks a batch's request bodies: the whole batch is its
// own buffer, and any range (the halves of a refused batch) is the same
// documents enclosed alone; a reused batch starts empty.
func TestDocBatchBody(t *testing.T) {
	b := &docBatch{}
	for round := range 2 {
		b.reset()
		docs := []string{`{"a":1}`, `{"b":[1,2]}`, `{"c":"x,y"}`, fmt.Sprintf(`{"round":%d}`, round)}
		for i, d := range docs {
			b.begin()
			b.buf = append(b.buf, d...)
			b.end(file.Position{Offset: int64(i)})
		}
		b.buf = append(b.buf, bodyTail...)
		var scratch bytes.Buffer
		for lo := range len(docs) {
			for hi := lo + 1; hi <= len(docs); hi++ {
				want := `{"data":[` + strings.Join(docs[lo:hi], ",") + `]}`
				if got := string(b.body(lo, hi, &scratch)); got != want {
					t.Errorf("round %d body(%d, %d) = %s, want %s", round, lo, hi, got, want)
				}
			}
			if got := string(b.doc(lo)); got != docs[lo] {
				t.Errorf("doc(%d) = %s, want %s", lo, got, docs[lo])
			}
		}
		if !json.Valid(b.buf) || len(b.pos) != len(docs) {
			t.Errorf("round %d: buffer %s, %d positions", round, b.buf, len(b.pos))
		}
	}
}

// TestAllWrittenAgreesWithParsing checks the loader's shortcut over real
// answers of a server: batches all written, with one refused document, and
// with _ids that spell the markers it looks for.
func TestAllWrittenAgreesWithParsing(t *testing.T) {
	cl := startServer(t)
	cl.http = &http.Client{}
	ctx := context.Background()
	if _, err := cl.doRaw(ctx, "POST", "/v1/orgs/self/ws/commons/collections", []byte(`{"name":"aw"}`), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body string
		all  bool
	}{
		{`{"data":[{"_id":"a"},{"_id":"b","x":1}]}`, true},
		{`{"data":[{"_id":"\"status\":\"ERROR\""},{"_id":"\"error\":{"}]}`, true},
		{`{"data":[{"_id":"c"},{"_id":"d","_op":"BOGUS"},{"_id":"e"}]}`, false},
		{`{"data":[{"_id":{"not":"an id"}}]}`, false},
	} {
		raw, err := cl.doRaw(ctx, "POST", "/v1/orgs/self/ws/commons/collections/aw/docs", []byte(c.body), nil)
		if err != nil {
			t.Fatal(err)
		}
		statuses, err := documentStatuses(types.NewDecoder(types.Limits{MaxDocBytes: 1 << 20}), raw)
		if err != nil {
			t.Fatal(err)
		}
		failed := 0
		for _, s := range statuses {
			if s.Get("status").Str() == "ERROR" {
				failed++
			}
		}
		n, ok := allWritten(raw)
		if ok != c.all || ok != (failed == 0) || (ok && n != len(statuses)) {
			t.Errorf("%s: allWritten = %d, %v; the answer has %d entries, %d failed:\n%s", c.body, n, ok, len(statuses), failed, raw)
		}
	}
}
