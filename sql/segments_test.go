package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// genDocs returns n deterministic documents with mixed types, nested
// objects, arrays, long strings (longer than the index's 48-byte term
// prefix) and missing fields.
func genDocs(n int) []types.Value {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"click", "view", "buy", strings.Repeat("very-long-event-kind-", 4) + "a", strings.Repeat("very-long-event-kind-", 4) + "b"}
	oses := []string{"ios", "android", "linux"}
	colors := []string{"red", "green", "blue", "black"}
	docs := make([]types.Value, n)
	for i := range docs {
		f := []types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))},
			{Name: "_event_time", Value: types.Timestamp(1_700_000_000_000_000 + int64(i)*1_000_000)},
			{Name: "kind", Value: types.String(kinds[r.IntN(len(kinds))])},
		}
		switch r.IntN(5) {
		case 0:
			f = append(f, types.Field{Name: "x", Value: types.Float(float64(r.IntN(100)) + 0.5)})
		case 1:
			f = append(f, types.Field{Name: "x", Value: types.String(fmt.Sprint(r.IntN(100)))})
		case 2:
			// x undefined
		default:
			f = append(f, types.Field{Name: "x", Value: types.Int(int64(r.IntN(100)))})
		}
		if r.IntN(4) > 0 {
			f = append(f, types.Field{Name: "dev", Value: types.Object([]types.Field{
				{Name: "os", Value: types.String(oses[r.IntN(len(oses))])},
				{Name: "v", Value: types.Int(int64(r.IntN(10)))},
			})})
		}
		var tags []types.Value
		for range r.IntN(3) {
			tags = append(tags, types.String(colors[r.IntN(len(colors))]))
		}
		f = append(f, types.Field{Name: "tags", Value: types.Array(tags)})
		docs[i] = types.Object(f)
	}
	return docs
}

// segmentQueries cover every access path: index equality, IN, ranges,
// prefix LIKE, array membership, _id lookups, _event_time pruning, objects
// rebuilt from leaf columns, and aggregates over mixed types.
var segmentQueries = []string{
	"SELECT count(*) FROM t",
	"SELECT kind, count(*), sum(x), min(x), max(x) FROM t GROUP BY kind ORDER BY kind",
	"SELECT _id FROM t WHERE kind = 'click' AND x > 50 ORDER BY _id",
	"SELECT _id, kind FROM t WHERE kind IN ('buy', '" + strings.Repeat("very-long-event-kind-", 4) + "b') ORDER BY _id LIMIT 50",
	"SELECT _id FROM t WHERE kind LIKE 'very-long%' AND dev.v = 3 ORDER BY _id",
	"SELECT _id, tags FROM t WHERE 'red' = ANY(tags) AND x IS UNDEFINED ORDER BY _id",
	"SELECT _id, dev FROM t WHERE _id IN ('d00007', 'd01234', 'd14999', 'nope') ORDER BY _id",
	"SELECT count(*) FROM t WHERE _event_time >= TIMESTAMP '2023-11-14T22:30:00Z' AND _event_time < TIMESTAMP '2023-11-14T23:00:00Z'",
	"SELECT dev.os, count(DISTINCT kind), avg(dev.v) FROM t GROUP BY 1 ORDER BY 1",
	"SELECT x FROM t WHERE x >= 98 ORDER BY x, _id",
	"SELECT _id, kind FROM t ORDER BY kind DESC, _id LIMIT 5",
	"SELECT u.tag, count(*) FROM t CROSS JOIN UNNEST(t.tags) AS u(tag) GROUP BY u.tag ORDER BY 1",
}

func runAll(t *testing.T, s *Session) []string {
	t.Helper()
	out := make([]string, len(segmentQueries))
	for i, q := range segmentQueries {
		res, err := s.Query(context.Background(), q, Params{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[i] = rowsText(res)
	}
	return out
}

// TestMutableSealedCompacted checks that the same documents answer the
// same queries from the mutable segment, from sealed segment files (where
// strings alias reused block buffers), and after compaction merged the
// files and dropped deleted rows; and that the answers are right, against
// brute force over the documents.
func TestMutableSealedCompacted(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 12000, "t")
	docs := genDocs(20000)
	write := func(ops []storage.WriteOp) {
		res, _, err := eng.Write(ctx, "commons", "t", ops)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
	// Segments of 12,000 rows span two 8,192-row blocks, so rows kept across
	// blocks (sorts, aggregates) must not alias a block buffer.
	// Write the documents, plus 500 that are deleted again, in batches.
	writeValues(t, eng, "t", docs, 250)
	var del []storage.WriteOp
	for i := range 500 {
		d := types.Object([]types.Field{{Name: "_id", Value: types.String(fmt.Sprintf("gone%d", i))}, {Name: "kind", Value: types.String("click")}, {Name: "x", Value: types.Int(99)}})
		writeValues(t, eng, "t", []types.Value{d}, 1)
		del = append(del, storage.WriteOp{Kind: storage.OpDelete, ID: fmt.Sprintf("gone%d", i)})
	}
	write(del)

	s := NewSession(eng, Limits{})
	mutable := runAll(t, s)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	sealed := runAll(t, s)
	eng.RunMaintenance(ctx)
	compacted := runAll(t, s)
	for i, q := range segmentQueries {
		if sealed[i] != mutable[i] {
			t.Errorf("%s\nsealed:\n%s\nmutable:\n%s", q, sealed[i], mutable[i])
		}
		if compacted[i] != mutable[i] {
			t.Errorf("%s\ncompacted:\n%s\nmutable:\n%s", q, compacted[i], mutable[i])
		}
	}

	// Brute force for the index-driven queries.
	var want []string
	for _, d := range docs {
		x := d.Get("x")
		if d.Get("kind").Str() == "click" && x.Kind().IsNumeric() && types.Compare(x, types.Int(50)) > 0 {
			want = append(want, fmt.Sprintf("%q\n", d.Get("_id").Str()))
		}
	}
	if got := strings.Join(want, ""); got != mutable[2] {
		t.Errorf("kind = 'click' AND x > 50: got\n%s\nwant\n%s", mutable[2], got)
	}
	want = want[:0]
	for _, d := range docs {
		if d.Get("x").IsUndefined() && slices.ContainsFunc(d.Get("tags").Elems(), func(v types.Value) bool { return v.Str() == "red" }) {
			want = append(want, fmt.Sprintf("%q %s\n", d.Get("_id").Str(), d.Get("tags").JSON()))
		}
	}
	if got := strings.Join(want, ""); got != mutable[5] {
		t.Errorf("'red' = ANY(tags) AND x IS UNDEFINED: got\n%s\nwant\n%s", mutable[5], got)
	}
	if mutable[0] != "20000\n" {
		t.Errorf("count(*) = %q, want 20000 (deleted rows must not count)", mutable[0])
	}
	// 30 minutes of one document per second.
	if mutable[7] != "1800\n" {
		t.Errorf("_event_time range count = %q, want 1800", mutable[7])
	}
}
