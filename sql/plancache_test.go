package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestPlanCache runs statements again after the collection changes under
// them: each answer must be the one a plan made afresh gives, and plans
// must be reused exactly when nothing they were made from changed.
func TestPlanCache(t *testing.T) {
	ctx := context.Background()
	s, eng := newTestSession(t, `{"_id":"a","n":1,"o":{"x":1}}`, `{"_id":"b","n":2}`)
	fresh := NewSession(eng, Limits{})
	fresh.noPlanCache = true
	queries := []string{
		"SELECT * FROM t ORDER BY _id",
		"SELECT _id FROM t WHERE n = '3' ORDER BY _id",
		"SELECT o, count(*) FROM t GROUP BY o ORDER BY 2, 1",
		"SELECT * FROM t WHERE _id = 'c'",
	}
	// run runs every query twice: from the cache if it holds a plan, then
	// with a plan made afresh. It returns how many plans were reused.
	run := func(step string) int64 {
		t.Helper()
		var reused int64
		for _, q := range queries {
			before := plans.hits.Load()
			cached, err := s.Query(ctx, q, Params{})
			if err != nil {
				t.Fatalf("%s: %s: %v", step, q, err)
			}
			reused += plans.hits.Load() - before
			afresh, err := fresh.Query(ctx, q, Params{})
			if err != nil {
				t.Fatalf("%s: %s: %v", step, q, err)
			}
			if got, want := resultText(cached), resultText(afresh); got != want {
				t.Errorf("%s: %s:\ncached plan:\n%s\nfresh plan:\n%s", step, q, got, want)
			}
		}
		return reused
	}
	run("first")
	if n := run("unchanged"); n != int64(len(queries)) {
		t.Errorf("unchanged collection: %d plans reused, want %d", n, len(queries))
	}
	writeDocs(t, eng, "t", `{"_id":"c","n":3}`)
	if n := run("new document, known paths"); n != int64(len(queries)) {
		t.Errorf("new document of known paths: %d plans reused, want %d", n, len(queries))
	}
	writeDocs(t, eng, "t", `{"_id":"d","n":4,"extra":"x"}`)
	if n := run("new path"); n != 2 {
		// The two queries of `*` listed every path; the others depend
		// only on the paths they name.
		t.Errorf("new path: %d plans reused, want 2", n)
	}
	writeDocs(t, eng, "t", `{"_id":"d2","n":4,"o":{"z":1}}`)
	if n := run("new path below a named one"); n != 1 {
		// `SELECT o` rebuilds o from the paths below it: only the
		// query of _id and n holds.
		t.Errorf("new path below o: %d plans reused, want 1", n)
	}
	writeDocs(t, eng, "t", `{"_id":"e","n":"3"}`)
	run("new kind")
	writeDocs(t, eng, "t", `{"_id":"f","n":5,"o":{"y":2}}`)
	run("new nested path")

	// Dropped and created again with other fields.
	if _, err := eng.DropCollection("commons", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query(ctx, queries[0], Params{}); err == nil {
		t.Error("query of a dropped collection: no error")
	}
	if _, err := eng.CreateCollection("commons", catalog.CollectionSpec{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	writeDocs(t, eng, "t", `{"_id":"c","z":true}`)
	run("created again")
}

// TestPlanCacheKeys checks what a plan is kept for: parameters and the
// default workspace are part of its key, and a statement calling NOW() is
// planned at every run.
func TestPlanCacheKeys(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestSession(t, `{"_id":"a","n":1}`, `{"_id":"b","n":2}`)
	q := func(text string, p Params) string {
		t.Helper()
		res, err := s.Query(ctx, text, p)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return rowsText(res)
	}
	for _, n := range []int64{1, 2, 1, 2} {
		if got, want := q("SELECT _id FROM t WHERE n = $1", Params{Positional: []types.Value{types.Int(n)}}), fmt.Sprintf("%q\n", string(rune('a'+n-1))); got != want {
			t.Errorf("n = %d: %s, want %s", n, got, want)
		}
		if got, want := q("SELECT _id FROM t WHERE n = :n", Params{Named: map[string]types.Value{"n": types.Int(n)}}), fmt.Sprintf("%q\n", string(rune('a'+n-1))); got != want {
			t.Errorf("n = %d: %s, want %s", n, got, want)
		}
	}
	for i := range 3 {
		now := time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		want := fmt.Sprintf("%q\n", now.Format("2006-01-02T15:04:05.000000Z"))
		if got := q("SELECT now() FROM t WHERE _id = 'a'", Params{}); got != want {
			t.Errorf("now() on day %d: %s, want %s", i+1, got, want)
		}
	}
	// A statement that fails to bind leaves no plan: it fails each time,
	// with its own error.
	for range 2 {
		_, err := s.Query(ctx, "SELECT nosuchfn(n) FROM t", Params{})
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.UndefinedFunction {
			t.Fatalf("unknown function: %v", err)
		}
	}
	q("SELECT _id FROM t WHERE n = 1", Params{})
	s.Workspace = "other"
	if _, err := s.Query(ctx, "SELECT _id FROM t WHERE n = 1", Params{}); err == nil {
		t.Error("workspace other has no t, yet the plan of commons.t answered")
	}
}

// resultText is rowsText with the column names first.
func resultText(res *Result) string {
	var cols string
	for _, c := range res.Columns {
		cols += c.Name + " "
	}
	return cols + "\n" + rowsText(res)
}

// TestPlanCacheConcurrent runs statements from several sessions while a
// writer adds documents, some with new fields or kinds, so that plans are
// reused, replaced and restamped at once (the race detector runs it in
// make test). Counts never go back, and every answer has its columns.
func TestPlanCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	_, eng := newTestSession(t, `{"_id":"a","n":1}`)
	stop := make(chan struct{})
	done := make(chan struct{})
	errs := make(chan error, 16)
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			doc := fmt.Sprintf(`{"_id":"w%d","n":%d}`, i, i)
			switch i % 7 {
			case 3:
				doc = fmt.Sprintf(`{"_id":"w%d","n":%d,"f%d":true}`, i, i, i%20)
			case 5:
				doc = fmt.Sprintf(`{"_id":"w%d","n":"%d"}`, i, i)
			}
			v, err := types.NewDecoder(types.Limits{}).Decode([]byte(doc))
			if err == nil {
				_, _, err = eng.Write(ctx, "commons", "t", []storage.WriteOp{{Kind: storage.OpUpsert, Doc: v}})
			}
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSession(eng, Limits{})
			last := int64(0)
			for range 150 {
				res, err := s.Query(ctx, "SELECT count(*) FROM t WHERE n >= 0 OR n < 0 OR n IS NOT NULL", Params{})
				if err != nil {
					errs <- err
					return
				}
				if n := res.Rows[0][0].Int(); n < last {
					errs <- fmt.Errorf("session %d: count went from %d to %d", g, last, n)
					return
				} else {
					last = n
				}
				res, err = s.Query(ctx, "SELECT * FROM t WHERE _id = 'a'", Params{})
				if err != nil {
					errs <- err
					return
				}
				if len(res.Rows) != 1 || len(res.Columns) < 2 {
					errs <- fmt.Errorf("session %d: SELECT * of a: %v %v", g, res.Columns, res.Rows)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPlanCacheAuthorizes runs a statement from a session that may read
// the collection, then from one that may not: the cached plan must not
// carry the first session's rights.
func TestPlanCacheAuthorizes(t *testing.T) {
	ctx := context.Background()
	s, eng := newTestSession(t, `{"_id":"a","n":1}`)
	q := "SELECT n FROM t WHERE _id = 'a'"
	for range 2 {
		if _, err := s.Query(ctx, q, Params{}); err != nil {
			t.Fatal(err)
		}
	}
	denied := NewSession(eng, Limits{})
	denied.Auth = &testAuth{read: map[string]bool{}, write: map[string]bool{}}
	if _, err := denied.Query(ctx, q, Params{}); err == nil || !strings.Contains(err.Error(), "no reading commons.t") {
		t.Fatalf("a session that may not read t ran the cached plan: %v", err)
	}
}

// BenchmarkPlanCacheManyPaths runs a cached query over a collection of
// 20,000 paths (a field added by many documents, as RockBench's patches
// add) while each run adds one more path: the cached plan is checked
// against the paths it names, not against the list of every path.
func BenchmarkPlanCacheManyPaths(b *testing.B) {
	ctx := context.Background()
	s, eng := newTestSession(b, `{"_id":"a","n":1,"ts":1}`)
	var docs []string
	for i := range 20000 {
		docs = append(docs, fmt.Sprintf(`{"_id":"p%d","n":%d,"ts":%d,"f%d":1}`, i, i%7, i, i))
	}
	writeDocs(b, eng, "t", docs...)
	const q = "SELECT n, MAX(ts) AS ts FROM t WHERE n < 3 GROUP BY n"
	if _, err := s.Query(ctx, q, Params{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		writeDocs(b, eng, "t", fmt.Sprintf(`{"_id":"q%d","n":1,"ts":%d,"g%d":1}`, i, i, i))
		b.StartTimer()
		if _, err := s.Query(ctx, q, Params{}); err != nil {
			b.Fatal(err)
		}
	}
}
