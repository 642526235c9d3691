package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"
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
