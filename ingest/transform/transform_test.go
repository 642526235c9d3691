package transform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func doc(t testing.TB, s string) types.Value {
	t.Helper()
	v, err := types.NewDecoder(types.Limits{}).Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.Clone()
}

// TestTransform runs plain (not rollup) transformations over a few
// documents: "=> doc" is an op's document, "skip" a dropped document,
// "error: text" a failed one.
func TestTransform(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		in        []string
		want      []string
	}{
		{
			name: "star keeps everything",
			sql:  `SELECT * FROM _input`,
			in:   []string{`{"a":1,"b":{"c":[1,2]}}`},
			want: []string{`{"a":1,"b":{"c":[1,2]}}`},
		},
		{
			name: "rename and cast",
			sql:  `SELECT * EXCEPT (x, "Old Name"), CAST(x AS int) AS x_int, "Old Name" AS new_name FROM _input`,
			in:   []string{`{"x":"42","Old Name":"v","keep":true}`},
			want: []string{`{"keep":true,"x_int":42,"new_name":"v"}`},
		},
		{
			name: "computed _id and _event_time",
			sql:  `SELECT CAST(user_id AS string) || '-' || CAST(seq AS string) AS _id, PARSE_TIMESTAMP_ISO8601(ts) AS _event_time, TIMESTAMP_MILLIS(ms) AS t2, v FROM _input`,
			in:   []string{`{"user_id":7,"seq":3,"ts":"2024-01-02T03:04:05Z","ms":1700000000000,"v":1.5,"dropped":1}`},
			want: []string{`{"_id":"7-3","_event_time":"2024-01-02T03:04:05.000000Z","t2":"2023-11-14T22:13:20.000000Z","v":1.5}`},
		},
		{
			name: "filter",
			sql:  `SELECT * FROM _input WHERE kind = 'click' AND n > 1`,
			in:   []string{`{"kind":"click","n":2}`, `{"kind":"view","n":2}`, `{"kind":"click","n":1}`, `{"n":5}`},
			want: []string{`{"kind":"click","n":2}`, "skip", "skip", "skip"},
		},
		{
			name: "per-document errors among good neighbours",
			sql:  `SELECT *, CAST(x AS int) AS xi FROM _input`,
			in:   []string{`{"_id":"a","x":"1"}`, `{"_id":"b","x":"one"}`, `{"_id":"c","x":3}`, `[1]`},
			want: []string{`{"_id":"a","x":"1","xi":1}`, `error: field "xi" (CAST(x AS int))`, `{"_id":"c","x":3,"xi":3}`, `error: JSON object`},
		},
		{
			name: "vector_enforce",
			sql:  `SELECT * EXCEPT (emb), VECTOR_ENFORCE(emb, 3, 'float') AS embedding FROM _input`,
			in:   []string{`{"id":1,"emb":[1,2.5,3]}`, `{"id":2,"emb":[1,2]}`, `{"id":3,"emb":"x"}`, `{"id":4}`},
			want: []string{`{"id":1,"embedding":[1.0,2.5,3.0]}`, `error: vector_enforce: expected 3 elements, got 2`, `error: vector_enforce`, `{"id":4,"embedding":null}`},
		},
		{
			name: "undefined removes a field, null keeps it",
			sql:  `SELECT *, missing AS a, NULL AS b FROM _input`,
			in:   []string{`{"a":1,"c":2}`},
			want: []string{`{"c":2,"b":null}`},
		},
		{
			name: "nested paths and _input alias",
			sql:  `SELECT i.user.name AS name, i.tags[1] AS first_tag FROM _input i WHERE i.user.age >= 18`,
			in:   []string{`{"user":{"name":"ann","age":30},"tags":["x","y"]}`, `{"user":{"name":"bob","age":10}}`},
			want: []string{`{"name":"ann","first_tag":"x"}`, "skip"},
		},
		{
			name: "_input._event_time is the stored event time",
			sql:  `SELECT DATE_TRUNC('hour', _event_time) AS hour FROM _input`,
			in:   []string{`{"_event_time":"2024-01-02T03:04:05Z"}`, `{}`, `{"_event_time":"garbage"}`},
			want: []string{`{"hour":"2024-01-02T03:00:00.000000Z"}`, `{"hour":"2024-05-01T12:00:00.000000Z"}`, `error: not an ISO-8601 timestamp`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Compile(tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			if tr.IsRollup() {
				t.Fatal("not a rollup")
			}
			var docs []types.Value
			for _, s := range tc.in {
				docs = append(docs, doc(t, s))
			}
			b := tr.ApplyAt(context.Background(), docs, testNow)
			if len(b.Docs) != len(tc.in) {
				t.Fatalf("%d outcomes for %d documents", len(b.Docs), len(tc.in))
			}
			for i, want := range tc.want {
				j := b.Docs[i]
				switch {
				case want == "skip":
					if j != Skipped {
						t.Errorf("doc %d: got %+v, want skipped", i, b.Ops[j])
					}
				case j == Skipped:
					t.Errorf("doc %d: skipped, want %s", i, want)
				case strings.HasPrefix(want, "error: "):
					if err := b.Ops[j].Err; err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(want, "error: ")) {
						t.Errorf("doc %d: err %v, want %q", i, err, want)
					}
				default:
					op := b.Ops[j]
					if op.Err != nil {
						t.Errorf("doc %d: %v", i, op.Err)
					} else if got := op.Doc.JSON(); got != doc(t, want).JSON() {
						t.Errorf("doc %d:\n got %s\nwant %s", i, got, doc(t, want).JSON())
					}
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{`SELECT * FROM events`, "not FROM events"},
		{`SELECT * FROM _input a JOIN _input b ON a.x = b.x`, "joins are not supported"},
		{`SELECT * FROM _input, other`, "joins are not supported"},
		{`SELECT 1`, "must read FROM _input"},
		{`SELECT * FROM _input ORDER BY x`, "ORDER BY"},
		{`SELECT * FROM _input LIMIT 1`, "LIMIT"},
		{`SELECT x FROM _input UNION SELECT y FROM _input`, "UNION"},
		{`SELECT (SELECT 1) AS x FROM _input`, "subqueries"},
		{`SELECT * FROM (SELECT 1) s`, "not from a"},
		{`SELECT nosuchfn(x) AS y FROM _input`, "nosuchfn"},
		{`SELECT x AS a, y AS a FROM _input`, `"a" is computed twice`},
		{`SELECT x AS _meta FROM _input`, "reserved"},
		{`SELECT * FROM _input GROUP BY x`, "cannot select *"},
		{`SELECT x, COUNT(DISTINCT y) FROM _input GROUP BY x`, "APPROX_COUNT_DISTINCT"},
		{`SELECT x, ARRAY_AGG(y) FROM _input GROUP BY x`, "cannot be maintained incrementally"},
		{`SELECT x AS _id, COUNT(*) FROM _input GROUP BY x`, "derives _id"},
		{`SELECT x, COUNT(*) FROM _input GROUP BY x HAVING COUNT(*) > 1`, "HAVING"},
		{`SELECT x, y FROM _input GROUP BY x`, "GROUP BY"},
		{`SELECT FROM`, "syntax error"},
		{`DELETE FROM _input`, "DELETE is not supported"},
		{`SELECT x EXCEPT (y) FROM _input`, "syntax error"},
		{``, "empty"},
	} {
		_, err := Compile(tc.sql)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrInvalid with %q", tc.sql, err, tc.want)
		}
	}
}

func TestCutStarExcept(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		names   []string
	}{
		{`SELECT * EXCEPT (a, "B c") FROM _input`, `SELECT *                   FROM _input`, []string{"a", "B c"}},
		{`SELECT *, 'x * EXCEPT (a)' AS s FROM _input`, `SELECT *, 'x * EXCEPT (a)' AS s FROM _input`, nil},
		{`SELECT * FROM _input EXCEPT (SELECT * FROM _input)`, `SELECT * FROM _input EXCEPT (SELECT * FROM _input)`, nil},
		{"SELECT * except(A) -- * EXCEPT (b)\nFROM _input", "SELECT *           -- * EXCEPT (b)\nFROM _input", []string{"a"}},
	} {
		out, names, err := cutStarExcept(tc.in)
		if err != nil || out != tc.out || strings.Join(names, "|") != strings.Join(tc.names, "|") {
			t.Errorf("%q: got %q %q %v", tc.in, out, names, err)
		}
	}
}

// TestOpFromOutput: `_op` in the output document chooses the operation, as
// it does for untransformed writes.
func TestOpFromOutput(t *testing.T) {
	tr, err := Compile(`SELECT *, CASE WHEN gone THEN 'DELETE' END AS _op FROM _input`)
	if err != nil {
		t.Fatal(err)
	}
	b := tr.ApplyAt(context.Background(), []types.Value{doc(t, `{"_id":"a","gone":true}`), doc(t, `{"_id":"b","gone":false}`)}, testNow)
	if b.Ops[0].Kind != storage.OpDelete || b.Ops[1].Kind != storage.OpUpsert {
		t.Fatalf("kinds %v %v", b.Ops[0].Kind, b.Ops[1].Kind)
	}
}
