package sql

import (
	"context"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// newTestSession opens an in-memory engine with collection commons.t
// holding docs (JSON texts).
func newTestSession(t testing.TB, docs ...string) (*Session, *storage.Engine) {
	t.Helper()
	eng := openTestEngine(t, 0, "t")
	writeDocs(t, eng, "t", docs...)
	return NewSession(eng, Limits{}), eng
}

// openTestEngine opens an in-memory engine without background work, closed
// when t ends, with collections colls in commons; sealRows 0 keeps the
// default.
func openTestEngine(t testing.TB, sealRows int, colls ...string) *storage.Engine {
	t.Helper()
	eng, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, SealRows: sealRows})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	for _, c := range colls {
		if _, err := eng.CreateCollection("commons", catalog.CollectionSpec{Name: c}); err != nil {
			t.Fatal(err)
		}
	}
	return eng
}

// writeValues upserts docs into commons.coll, batch documents a request.
func writeValues(t testing.TB, eng *storage.Engine, coll string, docs []types.Value, batch int) {
	t.Helper()
	for i := 0; i < len(docs); i += batch {
		var ops []storage.WriteOp
		for _, d := range docs[i:min(i+batch, len(docs))] {
			ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: d})
		}
		res, _, err := eng.Write(context.Background(), "commons", coll, ops)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
}

func writeDocs(t testing.TB, eng *storage.Engine, coll string, docs ...string) {
	t.Helper()
	var ops []storage.WriteOp
	for _, d := range docs {
		v, err := types.NewDecoder(types.Limits{}).Decode([]byte(d))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: v})
	}
	res, _, err := eng.Write(context.Background(), "commons", coll, ops)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

func rowsText(res *Result) string {
	var b strings.Builder
	for _, r := range res.Rows {
		for i, v := range r {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(v.JSON())
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestSessionSmoke(t *testing.T) {
	s, _ := newTestSession(t,
		`{"_id":"a","x":1,"s":"foo","tags":["red","blue"],"dev":{"os":"ios","v":3}}`,
		`{"_id":"b","x":2,"s":"bar","tags":["green"],"dev":{"os":"android","v":5}}`,
		`{"_id":"c","x":3,"s":"foo","tags":[],"dev":{"os":"ios","v":7}}`,
		`{"_id":"d","x":"str","s":null}`,
	)
	ctx := context.Background()
	cases := []struct{ q, want string }{
		{"SELECT x FROM t WHERE s = 'foo' ORDER BY x", "1\n3\n"},
		{"SELECT count(*) FROM t", "4\n"},
		{"SELECT s, count(*) AS n FROM t GROUP BY s ORDER BY n DESC, s", "\"foo\" 2\n\"bar\" 1\nnull 1\n"},
		{"SELECT _id FROM t WHERE _id = 'b'", "\"b\"\n"},
		{"SELECT dev.os FROM t WHERE dev.v > 4 ORDER BY 1", "\"android\"\n\"ios\"\n"},
		{"SELECT _id FROM t WHERE 'red' = ANY(tags)", "\"a\"\n"},
		{"SELECT _id FROM t WHERE ARRAY_CONTAINS(tags, 'green')", "\"b\"\n"},
		{"SELECT _id FROM t WHERE x IS UNDEFINED", ""},
		{"SELECT _id FROM t WHERE dev IS UNDEFINED", "\"d\"\n"},
		{"SELECT dev FROM t WHERE _id = 'a'", "{\"os\":\"ios\",\"v\":3}\n"},
		{"SELECT t.x, u.tag FROM t CROSS JOIN UNNEST(t.tags) AS u(tag) ORDER BY 2", "1 \"blue\"\n2 \"green\"\n1 \"red\"\n"},
		{"SELECT a._id, b._id FROM t a JOIN t b ON a.x = b.x WHERE a._id < 'c' ORDER BY 1", "\"a\" \"a\"\n\"b\" \"b\"\n"},
		{"SELECT _id, row_number() OVER (ORDER BY _id DESC) FROM t ORDER BY 1", "\"a\" 4\n\"b\" 3\n\"c\" 2\n\"d\" 1\n"},
		{"SELECT 1 + 2, 7 / 2, 'a' || 'b'", "3 3 \"ab\"\n"},
		{"WITH c AS (SELECT s FROM t WHERE s IS NOT NULL) SELECT count(DISTINCT s) FROM c", "2\n"},
		{"SELECT _id FROM t WHERE x IN (SELECT x FROM t WHERE s = 'bar')", "\"b\"\n"},
		{"SELECT _id FROM t WHERE s LIKE 'f%' ORDER BY 1", "\"a\"\n\"c\"\n"},
		{"SELECT x FROM t ORDER BY x LIMIT 2", "1\n2\n"},
	}
	for _, c := range cases {
		res, err := s.Query(ctx, c.q, Params{})
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if got := rowsText(res); got != c.want {
			t.Errorf("%s:\ngot:\n%swant:\n%s", c.q, got, c.want)
		}
	}
}

// TestInsertAllOrNothing checks that an INSERT with one invalid row writes
// none of its rows, and that a valid one writes all.
func TestInsertAllOrNothing(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"a","x":1}`)
	ctx := context.Background()
	_, err := s.Query(ctx, "INSERT INTO t (_id, x) VALUES ('n1', 1), ('n2', 2), (ARRAY[1, 2], 3)", Params{})
	if err == nil || !strings.Contains(err.Error(), "operation 3") || !strings.Contains(err.Error(), "wrote nothing") {
		t.Fatalf("want an error naming row 3, got %v", err)
	}
	count := func() string {
		res, err := s.Query(ctx, "SELECT count(*) FROM t", Params{})
		if err != nil {
			t.Fatal(err)
		}
		return rowsText(res)
	}
	if got := count(); got != "1\n" {
		t.Fatalf("after the failed INSERT: %s rows, want 1", got)
	}
	res, err := s.Query(ctx, "INSERT INTO t (_id, x) VALUES ('n1', 1), ('n2', 2)", Params{})
	if err != nil || res.RowsAffected != 2 {
		t.Fatalf("INSERT: %v, %d rows", err, res.RowsAffected)
	}
	if got := count(); got != "3\n" {
		t.Fatalf("after the INSERT: %s rows, want 3", got)
	}
}
