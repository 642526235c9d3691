package sql

import (
	"context"
	"slices"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

func TestValidate(t *testing.T) {
	s, _ := newTestSession(t, `{"_id":"1","n":1,"tags":["a"]}`)
	ctx := context.Background()
	for _, tc := range []struct {
		sql         string
		params      Params
		collections []string
		parameters  []string
	}{
		{sql: "SELECT 1", collections: nil, parameters: nil},
		{sql: "SELECT n FROM t WHERE n > :min AND _id = :id OR n = :min", collections: []string{"commons.t"}, parameters: []string{"min", "id"}},
		{sql: "SELECT a.n FROM commons.t a JOIN t b ON a._id = b._id WHERE a.n = $2 LIMIT :lim", collections: []string{"commons.t"}, parameters: []string{"lim", "$2"}},
		// Parameters inside subqueries, CTEs, function calls and CASE.
		{sql: "WITH w AS (SELECT n FROM t WHERE n < :hi) SELECT coalesce(max(n), :dflt) FROM w WHERE n IN (SELECT n FROM t WHERE _id <> :x) AND CASE WHEN :flag THEN true ELSE false END",
			collections: []string{"commons.t"}, parameters: []string{"hi", "dflt", "x", "flag"}},
		// A given value is used as given.
		{sql: "SELECT :k AS k", params: Params{Named: map[string]types.Value{"k": types.Int(3)}}, parameters: []string{"k"}},
		{sql: "EXPLAIN SELECT * FROM t", collections: []string{"commons.t"}},
	} {
		v, err := s.Validate(ctx, tc.sql, tc.params)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if !slices.Equal(v.Collections, tc.collections) || !slices.Equal(v.Parameters, tc.parameters) {
			t.Errorf("%s: collections %q parameters %q, want %q %q", tc.sql, v.Collections, v.Parameters, tc.collections, tc.parameters)
		}
	}

	// Errors are the ones running the statement would give, with
	// positions, and nothing runs: 1/0 is not evaluated.
	for _, tc := range []struct{ sql, code string }{
		{"SELECT FROM WHERE", sqlerr.Syntax},
		{"SELECT * FROM missing", sqlerr.UndefinedTable},
		{"SELECT no_such_fn(1)", ""},
	} {
		_, err := s.Validate(ctx, tc.sql, Params{})
		if err == nil {
			t.Errorf("%s: validated", tc.sql)
			continue
		}
		if e := sqlerr.As(err); tc.code != "" && e.Code != tc.code {
			t.Errorf("%s: code %s (%v), want %s", tc.sql, e.Code, err, tc.code)
		}
	}
	if _, err := s.Validate(ctx, "SELECT 1/0 FROM t", Params{}); err != nil {
		t.Errorf("validation ran the query: %v", err)
	}
}
