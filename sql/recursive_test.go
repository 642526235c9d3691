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

// TestSearchCycleErrors checks the SQLSTATE of each misuse of SEARCH and
// CYCLE, as PostgreSQL 15 reports it (the logic tests check the messages).
func TestSearchCycleErrors(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"1","x":1}`)
	const rec = "WITH RECURSIVE r AS (SELECT 1 AS n, 2 AS k UNION ALL SELECT n + 1, k FROM r WHERE n < 3) "
	for _, c := range []struct{ q, state string }{
		{rec + "SEARCH DEPTH FIRST BY x SET o SELECT n FROM r", "42601"},
		{rec + "SEARCH DEPTH FIRST BY n, n SET o SELECT n FROM r", "42701"},
		{rec + "SEARCH BREADTH FIRST BY n SET k SELECT n FROM r", "42601"},
		{rec + "CYCLE x SET m USING p SELECT n FROM r", "42601"},
		{rec + "CYCLE n, n SET m USING p SELECT n FROM r", "42701"},
		{rec + "CYCLE n SET k USING p SELECT n FROM r", "42601"},
		{rec + "CYCLE n SET m USING k SELECT n FROM r", "42601"},
		{rec + "CYCLE n SET m USING m SELECT n FROM r", "42601"},
		{rec + "SEARCH DEPTH FIRST BY n SET m CYCLE n SET m USING p SELECT n FROM r", "42601"},
		{rec + "SEARCH DEPTH FIRST BY n SET p CYCLE n SET m USING p SELECT n FROM r", "42601"},
		{rec + "CYCLE n SET m TO 1 DEFAULT 'x' USING p SELECT n FROM r", "22P02"},
		{rec + "CYCLE n SET m TO true DEFAULT 1 USING p SELECT n FROM r", "42804"},
		{"WITH r AS (SELECT 1 AS n) SEARCH DEPTH FIRST BY n SET o SELECT n FROM r", "42601"},
		{"WITH RECURSIVE r AS (SELECT 1 AS n) CYCLE n SET m USING p SELECT n FROM r", "42601"},
		{"WITH RECURSIVE r(n) AS ((SELECT 1 UNION SELECT 2) UNION ALL SELECT n + 1 FROM r WHERE n < 3) CYCLE n SET m USING p SELECT n FROM r", "0A000"},
		{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL (SELECT n + 1 FROM r WHERE n < 3 UNION SELECT 9)) CYCLE n SET m USING p SELECT n FROM r", "42601"},
		{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT * FROM r) s WHERE n < 3) CYCLE n SET m USING p SELECT n FROM r", "0A000"},
	} {
		_, err := s.Query(context.Background(), c.q, Params{})
		if got := sqllogic.SQLState(err); got != c.state {
			t.Errorf("%s: %v (%s), want %s", c.q, err, got, c.state)
		}
	}
}

// TestCycleRunaway checks that the paths of a CYCLE clause, which grow
// with every step, are charged to the memory budget like any held row.
func TestCycleRunaway(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"1","x":1}`)
	s.Limits = Limits{MemoryBytes: 1 << 20, Timeout: time.Minute}
	_, err := s.Query(context.Background(), "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) CYCLE n SET m USING p SELECT count(*) FROM r", Params{})
	if got := sqllogic.SQLState(err); got != "53200" {
		t.Errorf("an endless walk without cycles: %v (%s), want 53200", err, got)
	}
}
