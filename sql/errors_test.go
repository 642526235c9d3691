package sql

import (
	"context"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// TestErrors checks that bad queries fail with the SQLSTATE both protocols
// report, a message naming the problem, and a position when it is in the
// text; and that the session keeps working afterwards.
func TestErrors(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"a","x":1}`, `{"_id":"b","x":0}`)
	ctx := context.Background()
	cases := []struct {
		q, code, msg string
		line, col    int
	}{
		{q: "SELEC 1", code: sqlerr.Syntax, msg: "SELEC", line: 1, col: 1},
		{q: "SELECT x\nFROM t\nWHERE x = = 1", code: sqlerr.Syntax, line: 3, col: 11},
		{q: "SELECT * FROM nope", code: sqlerr.UndefinedTable, msg: "nope", line: 1, col: 15},
		{q: "SELECT no_such_fn(x) FROM t", code: sqlerr.UndefinedFunction, msg: "no_such_fn", line: 1, col: 8},
		{q: "SELECT x\nFROM t\nWHERE nosuch_fn(x) = 1", code: sqlerr.UndefinedFunction, msg: "nosuch_fn", line: 3, col: 7},
		{q: "SELECT abs(x, x, x) FROM t", code: sqlerr.UndefinedFunction, msg: "abs", line: 1, col: 8},
		{q: "SELECT x FROM t ORDER BY y || nosuch()", code: sqlerr.UndefinedFunction, msg: "nosuch", line: 1, col: 31},
		{q: "SELECT x FROM t WHERE count(*) > 1", code: sqlerr.Grouping, msg: "WHERE"},
		{q: "SELECT x, count(*) FROM t", code: sqlerr.Grouping, msg: `"x"`},
		{q: "SELECT 1 / x FROM t", code: sqlerr.DivisionByZero},
		{q: "SELECT CAST('abc' AS int)", code: sqlerr.InvalidText},
		{q: "SELECT (SELECT x FROM t)", code: sqlerr.CardinalityViolation},
		{q: "SELECT $1", code: sqlerr.InvalidParameter, msg: "$1"},
		{q: "SELECT :k", code: sqlerr.InvalidParameter, msg: ":k"},
		{q: "SELECT x FROM t LIMIT -1", code: sqlerr.InvalidLimit},
		{q: "SELECT x FROM t OFFSET -1", code: sqlerr.InvalidOffset},
		{q: "SELECT x FROM t ORDER BY 3", code: sqlerr.InvalidColumnRef, msg: "position 3"},
		{q: "SELECT a.x FROM t a JOIN t b ON a.x = b.x WHERE y = 1", code: sqlerr.AmbiguousColumn, msg: `"y"`},
		{q: "UPDATE t SET x = 1", code: sqlerr.FeatureNotSupported, msg: "UPDATE"},
		{q: "SELECT 1; SELECT 2", code: sqlerr.Syntax},
	}
	for _, c := range cases {
		_, err := s.Query(ctx, c.q, Params{})
		if err == nil {
			t.Errorf("%q: no error", c.q)
			continue
		}
		e := sqlerr.As(err)
		if e.Code != c.code {
			t.Errorf("%q: code %s (%v), want %s", c.q, e.Code, err, c.code)
		}
		if c.msg != "" && !strings.Contains(e.Message, c.msg) {
			t.Errorf("%q: message %q does not name %q", c.q, e.Message, c.msg)
		}
		if c.line > 0 && (e.Line != c.line || e.Column != c.col) {
			t.Errorf("%q: position %d:%d, want %d:%d", c.q, e.Line, e.Column, c.line, c.col)
		}
	}
	// A query over its memory budget or row limit fails alone.
	s.Limits.MemoryBytes = 1000
	if _, err := s.Query(ctx, "SELECT * FROM t CROSS JOIN generate_series(1, 1000) AS g ORDER BY g", Params{}); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Errorf("memory budget: %v", err)
	}
	s.Limits = Limits{MaxRows: 1}
	if _, err := s.Query(ctx, "SELECT x FROM t", Params{}); sqlerr.CodeOf(err) != sqlerr.ProgramLimit {
		t.Errorf("row limit: %v", err)
	}
	s.Limits = Limits{}
	res, err := s.Query(ctx, "SELECT count(*) FROM t", Params{})
	if err != nil || rowsText(res) != "2\n" {
		t.Fatalf("session after errors: %v %v", err, res)
	}
}

// TestExplainAccessPath checks the access path the optimizer picks for each
// kind of predicate, as EXPLAIN shows it.
func TestExplainAccessPath(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"a","k":"x","tags":["r"],"n":1}`, `{"_id":"b","k":"y","n":2}`)
	ctx := context.Background()
	cases := []struct{ q, want string }{
		{"SELECT * FROM t WHERE k = 'x'", `index lookup [k = "x"]`},
		{"SELECT * FROM t WHERE k IN ('x', 'y')", `index lookup [k IN ("x", "y")]`},
		{"SELECT * FROM t WHERE k = 'x' OR 'y' = k OR k IN ('z')", `index lookup [k IN ("x", "y", "z")]`},
		{"SELECT * FROM t WHERE k = 'x' OR n = 2", "full scan; filter:"},
		{"SELECT * FROM t WHERE 'r' = ANY(tags)", `index lookup [tags[*] = "r"]`},
		{"SELECT * FROM t WHERE k LIKE 'x%'", `index lookup [k PREFIX "x"]`},
		{"SELECT * FROM t WHERE _id = 'a'", `_id lookup ["a"]`},
		{"SELECT * FROM t WHERE _event_time > TIMESTAMP '2024-01-01T00:00:00Z'", "zone-map pruning on _event_time"},
		{"SELECT * FROM t WHERE n + 1 = 2", "full scan; filter: ((n#"},
		{"SELECT a.k FROM t a JOIN t b ON a._id = b._id", "HashJoin INNER on [_id#"},
		{"SELECT k FROM t ORDER BY n LIMIT 1", "TopN 1 by"},
	}
	for _, c := range cases {
		res, err := s.Query(ctx, "EXPLAIN "+c.q, Params{})
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		text := rowsText(res)
		if !strings.Contains(text, strings.ReplaceAll(strings.TrimPrefix(strings.TrimSuffix(c.want, `"`), `"`), `"`, `\"`)) {
			t.Errorf("EXPLAIN %s:\n%s\nwant it to contain %s", c.q, text, c.want)
		}
	}
	// A field only the index needed is not read.
	res, err := s.Query(ctx, "EXPLAIN SELECT count(*) FROM t WHERE k = 'x' AND 'r' = ANY(tags)", Params{})
	if err != nil {
		t.Fatal(err)
	}
	if text := rowsText(res); !strings.Contains(text, `columns: "`) {
		t.Errorf("EXPLAIN count with index predicates reads columns:\n%s", text)
	}
	res, err = s.Query(ctx, "EXPLAIN ANALYZE SELECT * FROM t WHERE k = 'y'", Params{})
	if err != nil {
		t.Fatal(err)
	}
	if text := rowsText(res); !strings.Contains(text, "rows=1 segments=1") || !strings.Contains(text, "Execution time") {
		t.Errorf("EXPLAIN ANALYZE:\n%s", text)
	}
}

// TestGroupByMatchesExpressions checks that select-list expressions match
// GROUP BY keys structurally, and that near-identical expressions do not.
func TestGroupByMatchesExpressions(t *testing.T) {
	s, _ := newTestSession(t, `{"k":"ab"}`, `{"k":"AB"}`, `{"k":"cd"}`)
	ctx := context.Background()
	res, err := s.Query(ctx, "SELECT k ~ 'a', k ~* 'a', count(*) FROM t GROUP BY k ~ 'a', k ~* 'a' ORDER BY 1, 2", Params{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsText(res); got != "false false 1\nfalse true 1\ntrue true 1\n" {
		t.Errorf("got:\n%s", got)
	}
	if _, err := s.Query(ctx, "SELECT k !~ 'a' FROM t GROUP BY k ~ 'a'", Params{}); sqlerr.CodeOf(err) != sqlerr.Grouping {
		t.Errorf("!~ matched the ~ key: %v", err)
	}
}
