package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/basaltdb/basalt/internal/webevents"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/types"
)

// brute holds the answers of the suite computed over the generated
// documents themselves.
type brute struct {
	events   []webevents.Event
	plans    map[string]string // user id → plan
	lastHour int64             // micros: the suite's "last hour" starts after it
}

func newBrute(cfg webevents.Config) *brute {
	b := &brute{plans: map[string]string{}, lastHour: cfg.End.Add(-time.Hour).UnixMicro()}
	g := webevents.New(cfg)
	for range cfg.Events {
		b.events = append(b.events, g.Next())
	}
	u := webevents.NewUsers(cfg)
	for {
		usr, ok := u.Next()
		if !ok {
			break
		}
		b.plans[usr.ID] = usr.Plan
	}
	return b
}

func (b *brute) count(pred func(e *webevents.Event) bool) int64 {
	var n int64
	for i := range b.events {
		if pred(&b.events[i]) {
			n++
		}
	}
	return n
}

// col returns the index of a result column.
func col(t *testing.T, res *sql.Result, name string) int {
	t.Helper()
	for i, c := range res.Columns {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, res.Columns)
	return -1
}

func num(v types.Value) float64 {
	if v.Kind() == types.KindInt {
		return float64(v.Int())
	}
	return v.Float()
}

// TestBenchQuery loads a small workload, runs the suite once and checks
// every query's answer against brute force over the generated documents.
func TestBenchQuery(t *testing.T) {
	end := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	qb := &queryBench{events: 5000, users: 1000, rockbenchDocs: 2000, runs: 1, seed: 7, end: end, timeout: time.Minute, logLevel: "warn"}
	rep, err := qb.run(context.Background(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg := webevents.Config{Seed: 7, Events: 5000, Users: 1000, End: end}
	b := newBrute(cfg)

	if len(rep.Load) != 3 || rep.Collections[0].Docs != 5000 || rep.Collections[1].Docs != 1000 || rep.Collections[2].Docs != 2000 {
		t.Fatalf("load: %+v, collections %+v", rep.Load, rep.Collections)
	}
	for _, c := range rep.Collections {
		if c.MutableRows != 0 {
			t.Errorf("%s: %d rows still mutable after the flush", c.Collection, c.MutableRows)
		}
	}
	byName := map[string]*queryStat{}
	for i := range rep.Queries {
		q := &rep.Queries[i]
		byName[q.Name] = q
		if q.Error != "" {
			t.Errorf("%s: %s\n%s", q.Name, q.Error, q.SQL)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	res := func(name string) *sql.Result {
		q := byName[name]
		if q == nil || q.result == nil {
			t.Fatalf("no result for %s", name)
		}
		return q.result
	}
	one := func(name string, want int64) {
		t.Helper()
		r := res(name)
		if len(r.Rows) != 1 || r.Rows[0][0].Int() != want {
			t.Errorf("%s: got %v, want %d", name, r.Rows, want)
		}
		if want == 0 {
			t.Errorf("%s: the brute-force answer is 0, the workload does not exercise it", name)
		}
	}

	one("count-eq", b.count(func(e *webevents.Event) bool { return e.Type == qbEventType }))
	one("array-contains", b.count(func(e *webevents.Event) bool { return slices.Contains(e.Tags, qbTag) }))
	one("like-infix", b.count(func(e *webevents.Event) bool { return strings.Contains(e.Page, qbPageLike) }))

	// Last hour: by country and by minute.
	inHour := func(e *webevents.Event) bool { return e.Time > b.lastHour }
	byCountry, byMinute := map[string]int64{}, map[int64]int64{}
	for i := range b.events {
		if e := &b.events[i]; inHour(e) {
			byCountry[e.Country]++
			byMinute[e.Time-e.Time%60_000_000]++
		}
	}
	r := res("top-countries-1h")
	if len(r.Rows) != 10 {
		t.Errorf("top-countries-1h: %d rows, want 10", len(r.Rows))
	}
	best := int64(0)
	for _, n := range byCountry {
		best = max(best, n)
	}
	for i, row := range r.Rows {
		if row[1].Int() != byCountry[row[0].Str()] || (i == 0 && row[1].Int() != best) {
			t.Errorf("top-countries-1h row %d: %v, want %d (best %d)", i, row, byCountry[row[0].Str()], best)
		}
	}
	r = res("per-minute-1h")
	if len(r.Rows) != len(byMinute) {
		t.Errorf("per-minute-1h: %d buckets, want %d", len(r.Rows), len(byMinute))
	}
	for _, row := range r.Rows {
		if row[0].Kind() != types.KindTimestamp || row[1].Int() != byMinute[row[0].Micros()] {
			t.Errorf("per-minute-1h: %v, want %d", row, byMinute[row[0].Micros()])
		}
	}

	// COUNT(DISTINCT user_id) by type.
	distinct := map[string]map[string]bool{}
	for _, e := range b.events {
		if distinct[e.Type] == nil {
			distinct[e.Type] = map[string]bool{}
		}
		distinct[e.Type][e.UserID] = true
	}
	r = res("distinct-users")
	if len(r.Rows) != len(distinct) {
		t.Errorf("distinct-users: %d rows, want %d", len(r.Rows), len(distinct))
	}
	for _, row := range r.Rows {
		if got, want := row[1].Int(), int64(len(distinct[row[0].Str()])); got != want {
			t.Errorf("distinct-users %s: %d, want %d", row[0].Str(), got, want)
		}
	}

	// Point lookup and the session needle.
	k := cfg.Events * 2 / 3
	needle := b.events[k]
	r = res("point-lookup")
	if len(r.Rows) != 1 || r.Rows[0][col(t, r, "_id")].Str() != needle.ID || r.Rows[0][col(t, r, "session_id")].Str() != needle.SessionID {
		t.Errorf("point-lookup: %v, want _id %s", r.Rows, needle.ID)
	}
	var sessionIDs []string
	for _, e := range b.events {
		if e.SessionID == needle.SessionID {
			sessionIDs = append(sessionIDs, e.ID)
		}
	}
	r = res("session-needle")
	var gotIDs []string
	for _, row := range r.Rows {
		gotIDs = append(gotIDs, row[0].Str())
	}
	sort.Strings(gotIDs)
	if len(sessionIDs) < 2 || !slices.Equal(gotIDs, sessionIDs) {
		t.Errorf("session-needle: %v, want %v", gotIDs, sessionIDs)
	}

	// Top 20 by amount among iOS events.
	var amounts []float64
	for _, e := range b.events {
		if e.OS == qbOS {
			amounts = append(amounts, e.Amount)
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(amounts)))
	r = res("top20-nested")
	if len(r.Rows) != 20 {
		t.Fatalf("top20-nested: %d rows", len(r.Rows))
	}
	for i, row := range r.Rows {
		if got := num(row[col(t, r, "amount")]); got != amounts[i] {
			t.Errorf("top20-nested row %d: amount %v, want %v", i, got, amounts[i])
		}
	}
	if amounts[19] <= 0 {
		t.Errorf("top20-nested: the 20th amount is %v, the workload has too few purchases", amounts[19])
	}

	// Join: purchases and revenue by the user's plan.
	purchases, revenue := map[string]int64{}, map[string]float64{}
	for _, e := range b.events {
		if e.Type == qbEventType {
			purchases[b.plans[e.UserID]]++
			revenue[b.plans[e.UserID]] += e.Amount
		}
	}
	r = res("join-plan")
	if len(r.Rows) != len(purchases) || len(r.Rows) < 2 {
		t.Errorf("join-plan: %v, want %v", r.Rows, purchases)
	}
	for _, row := range r.Rows {
		plan := row[0].Str()
		if row[1].Int() != purchases[plan] || math.Abs(num(row[2])-revenue[plan]) > 1e-6*revenue[plan] {
			t.Errorf("join-plan %s: %v, want %d purchases, revenue %v", plan, row, purchases[plan], revenue[plan])
		}
	}

	// p95 latency of the busiest pages.
	lat := map[string][]float64{}
	for _, e := range b.events {
		lat[e.Page] = append(lat[e.Page], float64(e.LatencyMS))
	}
	var hits []int
	for _, l := range lat {
		hits = append(hits, len(l))
	}
	sort.Sort(sort.Reverse(sort.IntSlice(hits)))
	r = res("p95-top-pages")
	if len(r.Rows) != 10 {
		t.Fatalf("p95-top-pages: %d rows", len(r.Rows))
	}
	for i, row := range r.Rows {
		page := row[0].Str()
		l := lat[page]
		sort.Float64s(l)
		pos := 0.95 * float64(len(l)-1)
		lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
		p95 := l[lo] + (l[hi]-l[lo])*(pos-float64(lo))
		if row[1].Int() != int64(hits[i]) || row[1].Int() != int64(len(l)) || math.Abs(num(row[2])-p95) > 1e-9 {
			t.Errorf("p95-top-pages row %d: %v, want hits %d, p95 %v", i, row, hits[i], p95)
		}
	}

	// RockBench: the same documents again.
	rng := rockbenchRand(7)
	var company int64
	var bestBalance float64
	for j := 0; j < 2000; j++ {
		var m struct {
			Company  string
			Age      int
			IsActive bool
			Balance  float64
		}
		if err := json.Unmarshal(rockbench.AppendDoc(nil, rng, rockbench.ID(j), 0), &m); err != nil {
			t.Fatal(err)
		}
		if m.Company == qbCompany {
			company++
		}
		if m.Age == 27 && m.IsActive {
			bestBalance = max(bestBalance, m.Balance)
		}
	}
	one("rb-count-eq", company)
	r = res("rb-group-city")
	var total int64
	for _, row := range r.Rows {
		total += row[1].Int()
	}
	if total != 2000 || len(r.Rows) < 2 {
		t.Errorf("rb-group-city: %v", r.Rows)
	}
	r = res("rb-top-balance")
	if len(r.Rows) != 10 || num(r.Rows[0][2]) != bestBalance {
		t.Errorf("rb-top-balance: %v, want first balance %v", r.Rows, bestBalance)
	}

	var sb strings.Builder
	rep.print(&sb)
	for _, q := range rep.Queries {
		if !strings.Contains(sb.String(), q.SQL) {
			t.Errorf("the report does not show %s", q.Name)
		}
	}
}

// TestBenchQueryReuseIngest loads into a directory, then times it again
// with --reuse while a writer adds events.
func TestBenchQueryReuseIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("loads and times the suite twice")
	}
	dir := t.TempDir()
	qb := &queryBench{events: 2000, users: 200, runs: 1, seed: 3, dataDir: dir, timeout: time.Minute, logLevel: "warn"}
	first, err := qb.run(context.Background(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qb.run(context.Background(), io.Discard); err == nil || !strings.Contains(err.Error(), "--reuse") {
		t.Fatalf("loading twice into one directory: %v, want an error that suggests --reuse", err)
	}
	bad := &queryBench{runs: 1, dataDir: dir, reuse: true, ingestRate: 2000, ingestWarmup: -time.Second, timeout: time.Minute, logLevel: "warn"}
	if _, err := bad.run(context.Background(), io.Discard); err == nil || !strings.Contains(err.Error(), "--ingest-warmup -1s: must not be negative") {
		t.Fatalf("--ingest-warmup -1s: %v, want it refused", err)
	}
	qb2 := &queryBench{runs: 1, dataDir: dir, reuse: true, ingestRate: 2000, ingestMode: liveInsert, ingestWarmup: 500 * time.Millisecond, timeout: time.Minute, logLevel: "warn"}
	rep, err := qb2.run(context.Background(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// The writer ran the warm-up before the suite: half a second at
	// 2,000/s is a thousand events, most of them written by then.
	if rep.Ingest == nil || rep.Ingest.Seconds < 0.5 || rep.Ingest.Docs < 500 {
		t.Fatalf("ingest with a warm-up of 500ms: %+v", rep.Ingest)
	}
	if rep.Events != 2000 || rep.Users != 200 || rep.RockbenchDocs != 0 || !rep.End.Equal(first.End) || len(rep.Load) != 0 {
		t.Fatalf("reuse report: %+v", rep)
	}
	if len(rep.Queries) != len(first.Queries) {
		t.Fatalf("%d queries on reuse, %d on load", len(rep.Queries), len(first.Queries))
	}
	for i, q := range rep.Queries {
		if q.Error != "" || q.IngestError != "" {
			t.Errorf("%s: %s %s", q.Name, q.Error, q.IngestError)
		}
		if q.SQL != first.Queries[i].SQL || q.Rows != first.Queries[i].Rows {
			t.Errorf("%s: %d rows on reuse, %d on load", q.Name, q.Rows, first.Queries[i].Rows)
		}
	}
	if rep.Ingest == nil || rep.Ingest.Docs == 0 || rep.After == nil || rep.After.Docs != 2000+rep.Ingest.Docs {
		t.Fatalf("ingest: %+v, events afterwards %+v", rep.Ingest, rep.After)
	}

	for _, q := range rep.Queries {
		if q.Runs != 1 || q.IngestRuns != 1 {
			t.Errorf("%s: %d and %d runs timed with --runs 1 and no --min-time", q.Name, q.Runs, q.IngestRuns)
		}
	}
	if _, err := (&queryBench{runs: 1, minTime: -time.Second, dataDir: dir, reuse: true}).run(context.Background(), io.Discard); err == nil || !strings.Contains(err.Error(), "--min-time must not be negative") {
		t.Fatalf("--min-time -1s: %v, want it refused", err)
	}

	// Upserts replace loaded events: the collection keeps its size. And
	// --min-time repeats the fast queries until their runs add up to it.
	before := rep.After.Docs
	qb3 := &queryBench{runs: 1, minTime: 50 * time.Millisecond, dataDir: dir, reuse: true, ingestRate: 2000, ingestMode: liveUpsert, timeout: time.Minute, logLevel: "warn", only: []string{"count-eq", "point-lookup"}}
	rep, err = qb3.run(context.Background(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Collections[0].MutableRows != 0 {
		t.Errorf("--reuse timed %d rows left mutable by the last run; it seals them first", rep.Collections[0].MutableRows)
	}
	if len(rep.Queries) != 2 || rep.Ingest == nil || rep.Ingest.Docs == 0 || rep.Ingest.Mode != liveUpsert || rep.After.Docs != before {
		t.Fatalf("upsert ingest: %d queries, %+v, events afterwards %+v (before %d)", len(rep.Queries), rep.Ingest, rep.After, before)
	}
	for _, q := range rep.Queries {
		// A count or a point lookup over 2,000 events takes well under a
		// millisecond: 50 ms of runs are dozens of them.
		if q.Runs < 10 || q.IngestRuns < 10 || float64(q.Runs)*q.MinMS > 1000 {
			t.Errorf("%s: %d and %d runs timed with --min-time 50ms (min %.3f ms)", q.Name, q.Runs, q.IngestRuns, q.MinMS)
		}
	}
}
