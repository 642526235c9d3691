package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/sqllogic"
)

// TestMemoryBudgetBuffers checks that aggregates which buffer their input
// (COUNT(DISTINCT), percentiles, ARRAY_AGG, ordered aggregates) are charged
// to the memory budget: over it, the query stops with 53200, and the same
// query runs within a larger one.
func TestMemoryBudgetBuffers(t *testing.T) {
	var docs []string
	for i := range 60000 {
		docs = append(docs, fmt.Sprintf(`{"_id":"d%d","u":"user-%d","n":%d,"g":%d}`, i, i, i, i%3))
	}
	s, _ := newTestSession(t, docs...)
	ctx := context.Background()
	for _, q := range []string{
		"SELECT g, count(DISTINCT u) FROM t GROUP BY g",
		"SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM t GROUP BY g",
		"SELECT g, array_agg(u) FROM t GROUP BY g",
		"SELECT g, string_agg(u, ',' ORDER BY n DESC) FROM t GROUP BY g",
	} {
		s.Limits.MemoryBytes = 200 << 10
		_, err := s.Query(ctx, q, Params{})
		if err == nil || !strings.Contains(err.Error(), "memory budget") {
			t.Errorf("%s with a 200 KiB budget: %v, want the memory budget error", q, err)
		}
		s.Limits.MemoryBytes = 256 << 20
		if _, err := s.Query(ctx, q, Params{}); err != nil {
			t.Errorf("%s with a 256 MiB budget: %v", q, err)
		}
	}
}

// TestMemoryBudgetSeries checks how set-returning functions meet the
// memory budget. generate_series streams: a series far longer than any
// array it could be made into (10,000,000 values at most) runs within a
// 1 MiB budget, in FROM and in a select list, a LIMIT ends an endless
// one, and a long one is stopped by the statement timeout. What holds its
// rows is charged as always (array_agg, a sort), and so is an array a
// set-returning function makes whole (regexp_matches): over the budget
// the query stops with 53200, and the session runs the next query.
func TestMemoryBudgetSeries(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"1","x":1}`)
	ctx := context.Background()
	s.Limits = Limits{MemoryBytes: 1 << 20, Timeout: time.Minute}
	for _, c := range []struct {
		q    string
		want int64
	}{
		{"SELECT count(*) FROM generate_series(1, 10500000)", 10_500_000},
		{"SELECT count(*) FROM (SELECT generate_series(1, 10500000) AS x FROM t) s", 10_500_000},
		{"SELECT x FROM generate_series(1, 1000000000) x LIMIT 3 OFFSET 2", 3},
	} {
		res, err := s.Query(ctx, c.q, Params{})
		if err != nil {
			t.Fatalf("%s within 1 MiB: %v", c.q, err)
		}
		if got := res.Rows[0][0].Int(); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
	for _, q := range []string{
		"SELECT array_agg(x) FROM generate_series(1, 100000000) x",
		"SELECT x FROM generate_series(1, 100000000) x ORDER BY x DESC",
		"SELECT count(*) FROM regexp_matches(repeat('ab', 200000), 'a', 'g')",
		"SELECT count(*) FROM (SELECT regexp_matches(repeat('ab', 200000), 'a', 'g') FROM t) s",
	} {
		_, err := s.Query(ctx, q, Params{})
		if got := sqllogic.SQLState(err); got != "53200" || !strings.Contains(err.Error(), "memory budget") {
			t.Errorf("%s with a 1 MiB budget: %v (%s), want 53200", q, err, got)
		}
		if _, err := s.Query(ctx, "SELECT count(*) FROM t", Params{}); err != nil {
			t.Fatalf("the session after %s: %v", q, err)
		}
	}
	s.Limits = Limits{MemoryBytes: 1 << 20, Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err := s.Query(ctx, "SELECT count(*) FROM generate_series(1, 1000000000)", Params{})
	if got := sqllogic.SQLState(err); got != "57014" {
		t.Errorf("a billion-row series with a 300 ms timeout: %v (%s), want 57014", err, got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v to stop the series", d)
	}
}
