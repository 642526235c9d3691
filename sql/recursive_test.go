package sql

import (
	"context"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/sqllogic"
)

// TestRecursiveRunaway checks that a WITH RECURSIVE that does not end is
// stopped by the statement's limits with their usual errors: the memory
// budget (53200) charged with every row a step keeps, or, when the budget
// cannot fill (each step's rows are consumed and dropped), the timeout
// (57014) checked between steps.
func TestRecursiveRunaway(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"1","x":1}`)
	ctx := context.Background()
	for _, q := range []string{
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT max(n) FROM r",
		// Each step doubles the working table.
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n FROM r, (VALUES (1), (2)) v(k)) SELECT count(*) FROM r",
	} {
		s.Limits = Limits{MemoryBytes: 1 << 20, Timeout: time.Minute}
		_, err := s.Query(ctx, q, Params{})
		if got := sqllogic.SQLState(err); got != "53200" {
			t.Errorf("%s with a 1 MiB budget: %v (%s), want 53200", q, err, got)
		}
	}
	// The same shape that ends runs within the budget.
	res, err := s.Query(ctx, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000) SELECT count(*) FROM r", Params{})
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0].Int() != 1000 {
		t.Fatalf("bounded recursion: %v %v", res, err)
	}

	s.Limits = Limits{Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err = s.Query(ctx, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT 1 FROM r) SELECT count(*) FROM r", Params{})
	if got := sqllogic.SQLState(err); got != "57014" {
		t.Errorf("endless recursion with no budget: %v (%s), want 57014", err, got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v to stop the recursion", d)
	}
}
