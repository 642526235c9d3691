package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
)

// joinSession holds t (3,000 rows, k = i % 7, x = i) and small (n rows,
// k = i % 10, name = "n<k>").
func joinSession(t *testing.T, n int) *Session {
	s, eng := newTestSession(t)
	if _, err := eng.CreateCollection("commons", catalog.CollectionSpec{Name: "small"}); err != nil {
		t.Fatal(err)
	}
	var big, small []string
	for i := range 3000 {
		big = append(big, fmt.Sprintf(`{"_id":"b%d","k":%d,"x":%d}`, i, i%7, i))
	}
	for i := range n {
		small = append(small, fmt.Sprintf(`{"_id":"s%d","k":%d,"name":"n%d","ref":"b%d"}`, i, i%10, i%10, i*13))
	}
	writeDocs(t, eng, "t", big...)
	writeDocs(t, eng, "small", small...)
	return s
}

// joinPlanAndRows returns the EXPLAIN text and the rows of q.
func joinPlanAndRows(t *testing.T, s *Session, q string) (string, string) {
	ctx := context.Background()
	res, err := s.Query(ctx, "EXPLAIN "+q, Params{})
	if err != nil {
		t.Fatal(err)
	}
	plan := rowsText(res)
	if res, err = s.Query(ctx, q, Params{}); err != nil {
		t.Fatal(err)
	}
	return plan, rowsText(res)
}

// TestJoinBuildSide checks that an inner join builds its hash table on the
// smaller collection whichever side the query names it, and that the
// answer does not change.
func TestJoinBuildSide(t *testing.T) {
	s := joinSession(t, 200)
	// Expected answers computed by brute force (small rows k 0…9, 20
	// each; t's k 0…6, 428 or 429 each).
	want := "\"n0\" 8580\n\"n1\" 8580\n\"n2\" 8580\n\"n3\" 8580\n\"n4\" 8560\n\"n5\" 8560\n\"n6\" 8560\n"
	for _, q := range []string{
		"SELECT s.name, count(*) FROM small s JOIN t b ON s.k = b.k GROUP BY s.name ORDER BY 1",
		"SELECT s.name, count(*) FROM t b JOIN small s ON s.k = b.k GROUP BY s.name ORDER BY 1",
	} {
		plan, rows := joinPlanAndRows(t, s, q)
		if bi, si := strings.Index(plan, "Scan commons.t"), strings.Index(plan, "Scan commons.small"); !strings.Contains(plan, "HashJoin") || bi < 0 || si < bi {
			t.Errorf("%s: want a hash join probing t and building small (listed second):\n%s", q, plan)
		}
		if rows != want {
			t.Errorf("%s: got\n%s\nwant\n%s", q, rows, want)
		}
	}
}

// TestIndexLookupJoin checks that a join of a few rows with a large
// collection looks the matching rows up, by `_id` in the row store and by
// an indexed field, with the answers a hash join gives.
func TestIndexLookupJoin(t *testing.T) {
	s := joinSession(t, 12)
	cases := []struct{ q, path, want string }{
		{"SELECT s._id, b.x FROM small s JOIN t b ON s.ref = b._id ORDER BY 1", "_id",
			"\"s0\" 0\n\"s1\" 13\n\"s10\" 130\n\"s11\" 143\n\"s2\" 26\n\"s3\" 39\n\"s4\" 52\n\"s5\" 65\n\"s6\" 78\n\"s7\" 91\n\"s8\" 104\n\"s9\" 117\n"},
		{"SELECT b.x, s._id FROM t b JOIN small s ON s.ref = b._id WHERE s.k < 2 ORDER BY 1", "_id",
			"0 \"s0\"\n13 \"s1\"\n130 \"s10\"\n143 \"s11\"\n"},
		{"SELECT s.name, count(*), sum(b.x) FROM small s JOIN t b ON s.k = b.k GROUP BY 1 ORDER BY 1", "k",
			"\"n0\" 858 1285284\n\"n1\" 858 1286142\n\"n2\" 429 643500\n\"n3\" 429 643929\n\"n4\" 428 641358\n\"n5\" 428 641786\n\"n6\" 428 642214\n"},
		{"SELECT s._id, count(b._id) FROM small s LEFT JOIN t b ON s.k = b.k AND b.x < 20 GROUP BY 1 ORDER BY 1", "k",
			"\"s0\" 3\n\"s1\" 3\n\"s10\" 3\n\"s11\" 3\n\"s2\" 3\n\"s3\" 3\n\"s4\" 3\n\"s5\" 3\n\"s6\" 2\n\"s7\" 0\n\"s8\" 0\n\"s9\" 0\n"},
	}
	for _, c := range cases {
		plan, rows := joinPlanAndRows(t, s, c.q)
		if !strings.Contains(plan, "IndexLookupJoin") || !strings.Contains(plan, "by "+c.path+" ") {
			t.Errorf("%s: want an index lookup join by %s:\n%s", c.q, c.path, plan)
		}
		if rows != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.q, rows, c.want)
		}
	}
}

// TestJoinBuildSideCountsIndex checks that the build side is chosen from
// what an index predicate really selects, counted by the index: t under
// `k IN (0…5)` keeps 2,572 of its 3,000 rows, more than small's 2,000, so
// small is built (a fixed guess of a tenth would build t).
func TestJoinBuildSideCountsIndex(t *testing.T) {
	s := joinSession(t, 2000)
	q := "SELECT s.name, count(*) FROM t b JOIN small s ON s.k = b.k WHERE b.k IN (0, 1, 2, 3, 4, 5) GROUP BY s.name ORDER BY 1"
	plan, rows := joinPlanAndRows(t, s, q)
	if bi, si := strings.Index(plan, "Scan commons.t"), strings.Index(plan, "Scan commons.small"); !strings.Contains(plan, "HashJoin") || bi < 0 || si < bi {
		t.Errorf("want a hash join probing t and building small (listed second):\n%s", plan)
	}
	// small's k 0…5 have 200 rows each; t's k 0…3 have 429 rows, 4 and
	// 5 have 428.
	want := "\"n0\" 85800\n\"n1\" 85800\n\"n2\" 85800\n\"n3\" 85800\n\"n4\" 85600\n\"n5\" 85600\n"
	if rows != want {
		t.Errorf("got\n%s\nwant\n%s", rows, want)
	}
}
