package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestJoinBuildCache runs joins whose build side is kept between queries
// (exec's build cache) while the dimension changes under them: every
// answer must be the one a join that builds afresh gives, a kept side must
// be used exactly while the dimension holds the same documents (a seal
// keeps it, a write or a delete does not), and build sides that differ
// only in a constant's type or read a volatile function must not be
// confused or kept.
func TestJoinBuildCache(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 0, "users", "events")
	var users, events []string
	for i := range 60 {
		users = append(users, fmt.Sprintf(`{"_id":"u%d","plan":"%s","n":%d}`, i, []string{"free", "pro", "team"}[i%3], i%5))
	}
	for i := range 400 {
		// Users u0, u7, … u63 have events (u63 once written).
		events = append(events, fmt.Sprintf(`{"_id":"e%d","user_id":"u%d","amount":%d}`, i, (i*7)%70, i%13))
	}
	writeDocs(t, eng, "users", users...)
	writeDocs(t, eng, "events", events...)

	cached := NewSession(eng, Limits{})
	fresh := NewSession(eng, Limits{})
	fresh.noPlanCache, fresh.noBuildCache = true, true
	queries := []string{
		// Fused aggregate over the join, grouped by the build side.
		"SELECT u.plan, count(*), sum(e.amount) FROM events e JOIN users u ON u._id = e.user_id GROUP BY u.plan ORDER BY 1",
		// Plain hash joins, inner and outer, with a filter on the build side.
		"SELECT e._id, u.plan FROM events e JOIN users u ON u._id = e.user_id WHERE u.plan = 'pro' ORDER BY 1",
		"SELECT e._id, u.plan FROM events e LEFT JOIN users u ON u._id = e.user_id AND u.n > 1 ORDER BY 1",
		// Filters that differ only in a constant's type: 3/2 is 1, 3/2.0 is not.
		"SELECT count(*) FROM events e JOIN users u ON u._id = e.user_id WHERE u.n / 2 = 1",
		"SELECT count(*) FROM events e JOIN users u ON u._id = e.user_id WHERE u.n / 2.0 = 1",
	}
	explainCached := func(q string) bool {
		t.Helper()
		res, err := cached.Query(ctx, "EXPLAIN ANALYZE "+q, Params{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return strings.Contains(rowsText(res), "build=cached")
	}
	// run compares every query's answer with a fresh build's and returns
	// the answers.
	run := func(step string) []string {
		t.Helper()
		out := make([]string, len(queries))
		for i, q := range queries {
			got, err := cached.Query(ctx, q, Params{})
			if err != nil {
				t.Fatalf("%s: %s: %v", step, q, err)
			}
			want, err := fresh.Query(ctx, q, Params{})
			if err != nil {
				t.Fatalf("%s: %s: %v", step, q, err)
			}
			if g, w := rowsText(got), rowsText(want); g != w {
				t.Errorf("%s: %s:\nkept build side:\n%s\nfresh build:\n%s", step, q, g, w)
			}
			out[i] = rowsText(want)
		}
		return out
	}
	// expectKept checks, after run, that every query now finds its build
	// side kept (or none does).
	expectKept := func(step string, want bool) {
		t.Helper()
		for _, q := range queries {
			if got := explainCached(q); got != want {
				t.Errorf("%s: %s: build side kept = %v, want %v", step, q, got, want)
			}
		}
	}

	first := run("first")
	// A side is kept from its second build.
	if got := run("again"); strings.Join(got, "") != strings.Join(first, "") {
		t.Fatalf("the second run answered otherwise")
	}
	// Another engine, its collections of the same names and written as
	// often (at the same sequence numbers), other documents: it shares
	// nothing.
	other := openTestEngine(t, 0, "users", "events")
	writeDocs(t, other, "users", `{"_id":"u0","plan":"solo","n":1}`)
	writeDocs(t, other, "events", `{"_id":"e1","user_id":"u0","amount":5}`)
	res, err := NewSession(other, Limits{}).Query(ctx, queries[0], Params{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rowsText(res), "\"solo\" 1 5\n"; got != want {
		t.Errorf("other engine: %s:\n%s\nwant:\n%s", queries[0], got, want)
	}

	if first[3] == first[4] {
		t.Fatalf("the two typed filters should differ: %s", first[3])
	}
	expectKept("unchanged", true)

	// Queries of several sessions probe the kept sides at once (the race
	// detector runs this in make test).
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSession(eng, Limits{})
			for range 10 {
				for i, q := range queries {
					res, err := s.Query(ctx, q, Params{})
					if err == nil && rowsText(res) != first[i] {
						err = fmt.Errorf("%s: concurrent answer:\n%s\nwant:\n%s", q, rowsText(res), first[i])
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// A seal moves the rows into a segment file: same documents, same side.
	if err := eng.Flush(ctx, DefaultWorkspace, "users"); err != nil {
		t.Fatal(err)
	}
	if got := run("sealed"); strings.Join(got, "") != strings.Join(first, "") {
		t.Errorf("sealed: answers changed")
	}
	expectKept("sealed", true)

	// A write to the dimension: the next join builds afresh.
	writeDocs(t, eng, "users", `{"_id":"u7","plan":"team","n":3}`, `{"_id":"u63","plan":"pro","n":2}`)
	if got := explainCached(queries[0]); got {
		t.Errorf("after a write: %s used a kept build side", queries[0])
	}
	changed := run("after a write")
	if changed[0] == first[0] {
		t.Errorf("after a write: %s gives the same answer as before", queries[0])
	}
	// A delete too.
	if _, _, err := eng.Write(ctx, DefaultWorkspace, "users", []storage.WriteOp{{Kind: storage.OpDelete, ID: "u14"}}); err != nil {
		t.Fatal(err)
	}
	if got := explainCached(queries[0]); got {
		t.Errorf("after a delete: %s used a kept build side", queries[0])
	}
	if got := run("after a delete"); got[0] == changed[0] {
		t.Errorf("after a delete: %s gives the same answer as before", queries[0])
	}

	// A collection dropped and created again under its name, at the same
	// sequence number, is another collection.
	if _, err := eng.DropCollection(DefaultWorkspace, "users"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.CreateCollection(DefaultWorkspace, catalog.CollectionSpec{Name: "users"}); err != nil {
		t.Fatal(err)
	}
	writeDocs(t, eng, "users", users...)
	writeDocs(t, eng, "users", `{"_id":"u0","plan":"gold","n":0}`)
	if got := run("dropped and created again"); !strings.Contains(got[0], `"gold"`) {
		t.Errorf("dropped and created again: %s:\n%s", queries[0], got[0])
	}
	run("dropped and created again, twice")
	expectKept("dropped and created again", true)

	// A volatile function in the build side's filter: never kept.
	volatile := "SELECT count(*) FROM events e JOIN users u ON u._id = e.user_id WHERE u.n < random() * 10"
	for range 3 {
		if explainCached(volatile) {
			t.Errorf("%s: a build side reading random() was kept", volatile)
		}
	}
	// NOW() folds to a new constant in every statement, so the side's
	// key is new each time: it is never kept (the cache would fill with
	// sides no query finds again). (u.n + 0 keeps the filter off the
	// index, so the join is a hash join that builds the users.)
	_, _, keptBefore, _ := JoinBuildCacheStats()
	stable := "SELECT count(*) FROM events e JOIN users u ON u._id = e.user_id WHERE u.n + 0 < unix_micros(now())"
	for range 4 {
		if explainCached(stable) {
			t.Errorf("%s: a build side reading NOW() was reused", stable)
		}
	}
	if _, _, kept, _ := JoinBuildCacheStats(); kept != keptBefore {
		t.Errorf("%s: %d build sides kept, want none", stable, kept-keptBefore)
	}

}

// TestAggJoinFusedMatchesPlain compares aggregates over hash joins folded
// by the fused operator (a batch's probes at a time, exec/aggjoin.go) with
// the same aggregates over the plain hash join's rows (a LIMIT between the
// two keeps them apart): keys with many build rows, keys of mixed types,
// undefined keys, residual conditions, grouping by either side, inner and
// left joins.
func TestAggJoinFusedMatchesPlain(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 3000, "t")
	writeValues(t, eng, "t", genDocs(6000)[:5000], 1000)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", genDocs(6000)[5000:], 500)
	s := NewSession(eng, Limits{})
	s.noBuildCache = true
	joins := []struct{ keys, cols, from string }{
		{"u.kind", "u.kind AS k, t.x AS a, u._id AS b", "t JOIN t AS u ON t.x = u.x"},
		{"t.kind", "t.kind AS k, u.x AS a, u._id AS b", "t JOIN t AS u ON t.x = u.x AND u._id < t._id"},
		{"u.dev.os", "u.dev.os AS k, t.dev.v AS a, u._id AS b", "t JOIN t AS u ON t.dev.v = u.dev.v WHERE t.kind = 'buy'"},
		{"u.kind", "u.kind AS k, t.x AS a, u._id AS b", "t LEFT JOIN t AS u ON t._id = u._id AND u.x > 50"},
		{"t.dev.os", "t.dev.os AS k, u.x AS a, u._id AS b", "t LEFT JOIN t AS u ON t.x = u.x AND u.kind = 'view'"},
	}
	for _, j := range joins {
		fused := fmt.Sprintf("SELECT %s, count(*), count(u._id), min(u._id), max(t._id) FROM %s GROUP BY 1 ORDER BY 1", j.keys, j.from)
		plain := fmt.Sprintf("SELECT k, count(*), count(b), min(b), max(c) FROM (SELECT %s, t._id AS c FROM %s LIMIT 1000000000) AS j GROUP BY 1 ORDER BY 1", j.cols, j.from)
		a, err := s.Query(ctx, fused, Params{})
		if err != nil {
			t.Fatalf("%s: %v", fused, err)
		}
		b, err := s.Query(ctx, plain, Params{})
		if err != nil {
			t.Fatalf("%s: %v", plain, err)
		}
		if rowsText(a) != rowsText(b) || len(a.Rows) < 2 {
			t.Errorf("%s\nfused:\n%s\nplain:\n%s", fused, rowsText(a), rowsText(b))
		}
	}
}

// TestJoinBuildKeptSegments joins against a fact table that takes writes,
// where the build side is the fact table's filtered rows: the rows of its
// sealed segments are kept between queries, less those deleted since, and
// only its mutable segment is read again. Every answer must be a fresh
// build's, through upserts that delete rows of sealed segments, deletes,
// new rows and a compaction.
func TestJoinBuildKeptSegments(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 400, "users", "events")
	var users []string
	for i := range 1000 {
		users = append(users, fmt.Sprintf(`{"_id":"u%d","plan":"%s"}`, i, []string{"free", "pro", "team"}[i%3]))
	}
	writeDocs(t, eng, "users", users...)
	r := rand.New(rand.NewPCG(3, 4))
	event := func(i int) string {
		return fmt.Sprintf(`{"_id":"e%d","user_id":"u%d","kind":"k%d","amount":%d}`, i, r.IntN(1100), r.IntN(10), r.IntN(100))
	}
	var events []string
	for i := range 2000 {
		events = append(events, event(i))
	}
	writeDocs(t, eng, "events", events...)
	if err := eng.Flush(ctx, DefaultWorkspace, "events"); err != nil {
		t.Fatal(err)
	}
	cached := NewSession(eng, Limits{})
	fresh := NewSession(eng, Limits{})
	fresh.noPlanCache, fresh.noBuildCache = true, true
	q := "SELECT u.plan, count(*), sum(e.amount), min(e._id) FROM events e JOIN users u ON u._id = e.user_id WHERE e.kind = 'k3' GROUP BY u.plan ORDER BY 1"
	plan, err := cached.Query(ctx, "EXPLAIN "+q, Params{})
	if err != nil {
		t.Fatal(err)
	}
	// The join's second input is its build side.
	if text := rowsText(plan); !strings.Contains(text, "HashJoin") || strings.Index(text, "Scan commons.users") > strings.Index(text, "Scan commons.events") {
		t.Fatalf("the events should be the build side:\n%s", rowsText(plan))
	}
	kept := 0
	for round := range 8 {
		got, err := cached.Query(ctx, q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.Query(ctx, q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if rowsText(got) != rowsText(want) {
			t.Fatalf("round %d: %s:\nkept segments:\n%s\nfresh build:\n%s", round, q, rowsText(got), rowsText(want))
		}
		res, err := cached.Query(ctx, "EXPLAIN ANALYZE "+q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(rowsText(res), " kept=") {
			kept++
		}
		// Replace some events (their old rows, in sealed segments, are
		// deleted), delete some, add some; every third round, seal (the
		// mutable segment grows in between).
		var ops []storage.WriteOp
		for range 60 {
			v, err := types.NewDecoder(types.Limits{}).Decode([]byte(event(r.IntN(2200))))
			if err != nil {
				t.Fatal(err)
			}
			ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: v})
		}
		for range 15 {
			ops = append(ops, storage.WriteOp{Kind: storage.OpDelete, ID: fmt.Sprintf("e%d", r.IntN(2200))})
		}
		if _, _, err := eng.Write(ctx, DefaultWorkspace, "events", ops); err != nil {
			t.Fatal(err)
		}
		if round%3 == 2 {
			if err := eng.Flush(ctx, DefaultWorkspace, "events"); err != nil {
				t.Fatal(err)
			}
		}
		if round == 5 {
			eng.RunMaintenance(ctx)
		}
	}
	if kept < 6 {
		t.Errorf("sealed segments' rows were kept in %d rounds of 8, want 7 or 8", kept)
	}
}

// TestJoinBuildCacheConcurrent runs joins from several sessions while a
// writer changes the dimension's plans (never its ids), seals and compacts it, so
// that kept sides and segments are found, replaced and filtered at once
// (the race detector runs it in make test): every user keeps existing, so
// the join's count never moves, and the plans always add up to it. (It
// caught a query of an older snapshot taking a segment's rows kept by a
// newer one, which lack the rows deleted in between: keptPart.usable.)
func TestJoinBuildCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 300, "users", "events")
	var users, events []string
	for i := range 500 {
		users = append(users, fmt.Sprintf(`{"_id":"u%d","plan":"p%d"}`, i, i%4))
	}
	for i := range 3000 {
		events = append(events, fmt.Sprintf(`{"_id":"e%d","user_id":"u%d","kind":"k%d"}`, i, (i*13)%500, i%3))
	}
	writeDocs(t, eng, "users", users...)
	writeDocs(t, eng, "events", events...)
	if err := eng.Flush(ctx, DefaultWorkspace, "users"); err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{
		// users built (kept sides and segments under the writes)...
		"SELECT count(*) FROM events e JOIN users u ON u._id = e.user_id": "3000",
		// ...and the fused aggregate, its counts adding up to the same.
		"SELECT sum(n) FROM (SELECT u.plan, count(*) AS n FROM events e JOIN users u ON u._id = e.user_id GROUP BY u.plan) AS x": "3000",
	}
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(5, 6))
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			var ops []storage.WriteOp
			for range 20 {
				v, err := types.NewDecoder(types.Limits{}).Decode([]byte(fmt.Sprintf(`{"_id":"u%d","plan":"p%d"}`, r.IntN(500), r.IntN(6))))
				if err != nil {
					writerDone <- err
					return
				}
				ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: v})
			}
			if _, _, err := eng.Write(ctx, DefaultWorkspace, "users", ops); err != nil {
				writerDone <- err
				return
			}
			if i%10 == 9 {
				if err := eng.Flush(ctx, DefaultWorkspace, "users"); err != nil {
					writerDone <- err
					return
				}
			}
			if i%30 == 29 {
				// Compaction merges the sealed segments into new ones.
				eng.RunMaintenance(ctx)
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSession(eng, Limits{})
			for range 40 {
				for q, want := range queries {
					res, err := s.Query(ctx, q, Params{})
					if err == nil && strings.TrimSpace(rowsText(res)) != want {
						err = fmt.Errorf("%s: %s, want %s", q, rowsText(res), want)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestJoinBuildCacheLookupStats: an index lookup join builds a side per
// batch of left keys, and those sides are kept like any other. EXPLAIN
// ANALYZE adds up the batches' scans in one line, which must read the same
// whether the sides were built or reused.
func TestJoinBuildCacheLookupStats(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 0, "l", "r")
	var left, right []string
	for i := range 3000 {
		left = append(left, fmt.Sprintf(`{"_id":"l%d","x":%d,"k":"k%d"}`, i, i, i))
	}
	for i := range 20000 {
		right = append(right, fmt.Sprintf(`{"_id":"r%d","rk":"k%d","v":%d}`, i, i%4000, i))
	}
	// Three segments of the left side: its scan's batches, and so the
	// lookups, are three.
	for i := 0; i < len(left); i += 1000 {
		writeDocs(t, eng, "l", left[i:i+1000]...)
		if err := eng.Flush(ctx, DefaultWorkspace, "l"); err != nil {
			t.Fatal(err)
		}
	}
	writeDocs(t, eng, "r", right...)
	s := NewSession(eng, Limits{})
	q := "EXPLAIN ANALYZE SELECT count(*), sum(r.v) FROM l JOIN r ON r.rk = l.k WHERE l.x < 2500"
	scanLine := func() string {
		t.Helper()
		res, err := s.Query(ctx, q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		text := rowsText(res)
		if !strings.Contains(text, "IndexLookupJoin") {
			t.Fatalf("not an index lookup join:\n%s", text)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "Scan commons.r ") {
				return line
			}
		}
		t.Fatalf("no scan of r:\n%s", text)
		return ""
	}
	built := scanLine()
	scanLine() // kept from this second build
	reused := scanLine()
	if !strings.Contains(reused, "build=cached") {
		t.Fatalf("the third run built its sides again: %s", reused)
	}
	if got := strings.Replace(reused, " build=cached", "", 1); got != built {
		t.Errorf("scan counts of reused sides:\n%s\nof built ones:\n%s", got, built)
	}
}
