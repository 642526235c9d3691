package sql

import (
	"context"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/sql/parse"
)

func TestDescribeAndParamKinds(t *testing.T) {
	s, _ := newTestSession(t,
		`{"_id": "a", "i": 1, "f": 1.5, "n": 2, "b": true, "s": "x", "o": {"k": 1}, "m": "x"}`,
		`{"_id": "b", "i": 2, "f": 2.5, "n": 2.5, "b": false, "s": "y", "m": 3}`,
	)
	cases := []struct {
		sql, cols, params string
	}{
		{"SELECT _id, _event_time, i, f, n, b, s, o, m FROM t", "_id:string _event_time:timestamp i:int f:float n:float b:bool s:string o:object m:mixed", ""},
		{"SELECT count(*) AS c, sum(i) AS si, avg(i) AS a, max(s) AS ms FROM t", "c:int si:int a:float ms:string", ""},
		{"SELECT i + 1 AS x, i / 2.0 AS y, i > 1 AS z, s || 'q' AS w, now() AS t0, CAST(s AS int) AS ci FROM t", "x:int y:float z:bool w:string t0:timestamp ci:int", ""},
		{"SELECT i FROM t WHERE _id = $1 AND i > $2 AND n < $3 AND b = $4 AND _event_time >= $5 AND s LIKE $6 AND m = $7 LIMIT $8", "i:int", "string int float bool timestamp string  int"},
		{"SELECT $1::int8 AS p", "p:int", "int"},
		{"SELECT x.i FROM t AS x WHERE x.f BETWEEN $1 AND $2 OR x.s IN ($3, $4)", "i:int", "float float string string"},
		// A recursive query's columns hold what both its terms give, the
		// recursive one over the working table.
		// Ordered-set aggregates answer their WITHIN GROUP expression's kind
		// (percentile_disc over text is text, not its fraction's float).
		{"SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY s) AS pd, mode() WITHIN GROUP (ORDER BY i) AS mo, percentile_cont(0.5) WITHIN GROUP (ORDER BY i) AS pc FROM t", "pd:string mo:int pc:float", ""},
		// Sums, averages and continuous percentiles of intervals are
		// intervals; of numbers, numbers.
		{"SELECT sum(_event_time - _event_time) AS si, avg(_event_time - _event_time) AS ai, percentile_cont(0.5) WITHIN GROUP (ORDER BY _event_time - _event_time) AS pi, sum(f) AS sf, avg(i) AS av FROM t", "si:interval ai:interval pi:interval sf:float av:float", ""},
		{"WITH RECURSIVE r(n, p) AS (SELECT i, s FROM t UNION ALL SELECT n + 1, p || '.' FROM r WHERE n < 5) SELECT n, p FROM r", "n:int p:string", ""},
	}
	for _, c := range cases {
		st, err := parse.ParseOne(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := s.Describe(context.Background(), st, Params{})
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		var got []string
		for _, col := range cols {
			got = append(got, col.Name+":"+col.Type)
		}
		if strings.Join(got, " ") != c.cols {
			t.Errorf("%s:\n got  %s\n want %s", c.sql, strings.Join(got, " "), c.cols)
		}
		if kinds := strings.Join(s.ParamKinds(st), " "); kinds != c.params {
			t.Errorf("%s: params %q, want %q", c.sql, kinds, c.params)
		}
	}
	// INSERT VALUES: a parameter takes the kind of the field it fills.
	for sql, want := range map[string]string{
		"INSERT INTO t (_id, i, f, n, b, s, m, new) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)": "string int float float bool string  ",
		"INSERT INTO commons.t (i, s) VALUES ($1, 'x'), (3, $2)":                             "int string",
		"INSERT INTO t (i) SELECT $1":                                                        "",
	} {
		st, err := parse.ParseOne(sql)
		if err != nil {
			t.Fatal(err)
		}
		if kinds := strings.Join(s.ParamKinds(st), " "); kinds != want {
			t.Errorf("%s: params %q, want %q", sql, kinds, want)
		}
	}
	// A missing collection fails as execution would.
	st, _ := parse.ParseOne("SELECT * FROM nope")
	if _, err := s.Describe(context.Background(), st, Params{}); err == nil {
		t.Error("no error for a missing collection")
	}
}
