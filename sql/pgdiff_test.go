package sql

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/internal/pgoracle"
	"github.com/basaltdb/basalt/internal/sqllogic"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgoracle.StopShared()
	os.Exit(code)
}

// diffRows are the tables both engines hold: t, the facts, and u, a small
// dimension whose keys overlap t.a's only in part (so outer joins have
// unmatched rows on both sides).
const (
	diffFacts = 3000
	diffDims  = 40
)

// diffSchema is t and u in PostgreSQL. Integers are int4 there so that
// sum() and count() are bigint, as Basalt's are, and sum(b) / count(*) is
// an integer division in both (PostgreSQL's sum(int8) is numeric). Basalt holds the same rows as
// documents; a NULL there is sometimes an explicit null and sometimes an
// absent field, which SQL must treat alike.
const diffSchema = `
CREATE TABLE t (id int4, a int4, b int4, f float8, s text, g text, flag bool, ts timestamptz);
CREATE TABLE u (id int4, k int4, k2 int4, name text, w float8);
`

type diffCol struct {
	name string
	gen  func(r *rand.Rand, id int) (pg string, v types.Value, null bool)
}

var diffWords = []string{"apple", "banana", "cherry", "date", "elder", "fig", "Apple", "", "a%b", "b_c"}

var diffBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func maybeNull(r *rand.Rand, pct int, f func() (string, types.Value)) (string, types.Value, bool) {
	if r.IntN(100) < pct {
		return "NULL", types.Null, true
	}
	pg, v := f()
	return pg, v, false
}

func intCol(lo, n, nullPct int) func(r *rand.Rand, id int) (string, types.Value, bool) {
	return func(r *rand.Rand, id int) (string, types.Value, bool) {
		return maybeNull(r, nullPct, func() (string, types.Value) {
			x := int64(lo + r.IntN(n))
			return strconv.FormatInt(x, 10), types.Int(x)
		})
	}
}

var factCols = []diffCol{
	{"id", func(_ *rand.Rand, id int) (string, types.Value, bool) {
		return strconv.Itoa(id), types.Int(int64(id)), false
	}},
	{"a", intCol(0, 20, 10)},
	{"b", intCol(-50, 101, 0)},
	{"f", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		return maybeNull(r, 10, func() (string, types.Value) {
			x := float64(r.IntN(20001)-10000) / 100
			return fn.FormatFloat(x), types.Float(x)
		})
	}},
	{"s", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		return maybeNull(r, 10, func() (string, types.Value) {
			w := diffWords[r.IntN(len(diffWords))]
			return "'" + w + "'", types.String(w)
		})
	}},
	{"g", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		w := fmt.Sprintf("g%d", r.IntN(5))
		return "'" + w + "'", types.String(w), false
	}},
	{"flag", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		return maybeNull(r, 15, func() (string, types.Value) {
			b := r.IntN(2) == 0
			return strconv.FormatBool(b), types.Bool(b)
		})
	}},
	{"ts", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		tm := diffBase.Add(time.Duration(r.IntN(3*86400)) * time.Second)
		return "'" + tm.Format(time.RFC3339) + "'", types.TimestampOf(tm), false
	}},
}

var dimCols = []diffCol{
	{"id", func(_ *rand.Rand, id int) (string, types.Value, bool) {
		return strconv.Itoa(id), types.Int(int64(id)), false
	}},
	{"k", intCol(5, 25, 0)},
	{"k2", intCol(0, 20, 20)},
	{"name", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		w := fmt.Sprintf("n%d", r.IntN(8))
		return "'" + w + "'", types.String(w), false
	}},
	{"w", func(r *rand.Rand, _ int) (string, types.Value, bool) {
		x := float64(r.IntN(1000)) / 10
		return fn.FormatFloat(x), types.Float(x), false
	}},
}

// loadDiff writes n rows of cols into PostgreSQL's table and Basalt's
// collection of the same name.
func loadDiff(t *testing.T, ctx context.Context, pg sqllogic.DB, eng *storage.Engine, table string, cols []diffCol, n int, r *rand.Rand) {
	if _, err := eng.CreateCollection(DefaultWorkspace, catalog.CollectionSpec{Name: table}); err != nil {
		t.Fatal(err)
	}
	var ops []storage.WriteOp
	var values []string
	flush := func() {
		if len(values) == 0 {
			return
		}
		if err := pg.Exec(ctx, "INSERT INTO "+table+" VALUES "+strings.Join(values, ",")); err != nil {
			t.Fatal(err)
		}
		res, _, err := eng.Write(ctx, DefaultWorkspace, table, ops)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		values, ops = values[:0], ops[:0]
	}
	for id := 1; id <= n; id++ {
		pgVals := make([]string, len(cols))
		fields := []types.Field{{Name: "_id", Value: types.String(fmt.Sprintf("%s%d", table, id))}}
		for i, c := range cols {
			text, v, null := c.gen(r, id)
			pgVals[i] = text
			// Half the NULLs are explicit, half absent fields.
			if null && id%2 == 0 {
				continue
			}
			fields = append(fields, types.Field{Name: c.name, Value: v})
		}
		values = append(values, "("+strings.Join(pgVals, ",")+")")
		ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: types.Object(fields)})
		if len(values) == 500 {
			flush()
		}
	}
	flush()
}

// TestPostgresDifferential loads the same generated rows into Basalt and
// PostgreSQL and compares the answers of hand-written and generated
// queries: the same rows (in order where the query orders them fully), the
// same NULLs, numbers equal within 1e-9, and an error on one side only when
// the other errs too.
func TestPostgresDifferential(t *testing.T) {
	ctx := context.Background()
	pg := sqllogic.PGX(pgoracle.Shared(t).NewDB(t))
	if err := pg.Exec(ctx, "SET TimeZone = 'UTC'; SET extra_float_digits = 1;"+diffSchema); err != nil {
		t.Fatal(err)
	}
	eng := openTestEngine(t, 1000)
	r := rand.New(rand.NewPCG(7, 11))
	loadDiff(t, ctx, pg, eng, "t", factCols, diffFacts, r)
	loadDiff(t, ctx, pg, eng, "u", dimCols, diffDims, r)
	// Half the facts sealed (in segments of 1,000 rows), the rest mutable.
	if err := eng.Flush(ctx, DefaultWorkspace, "t"); err != nil {
		t.Fatal(err)
	}
	bdb := &logicDB{eng: eng, sess: NewSession(eng, Limits{Timeout: 20 * time.Second})}

	queries := slices.Clone(diffQueries)
	g := &queryGen{r: rand.New(rand.NewPCG(3, 5))}
	for range 600 {
		queries = append(queries, g.query())
	}
	failures, bothFailed := 0, 0
	only := os.Getenv("BASALT_DIFF_ONLY") // a substring, to rerun one query
	for i, q := range queries {
		if only != "" && !strings.Contains(q, only) {
			continue
		}
		ordered := topLevelOrderBy(q)
		want, wantErr := runDiff(ctx, pg, q, !ordered)
		got, gotErr := runDiff(ctx, bdb, q, !ordered)
		switch {
		case wantErr != nil && gotErr != nil:
			bothFailed++
			continue
		case sqllogic.SQLState(wantErr) == "22003" && gotErr == nil:
			// int4 overflow in PostgreSQL; Basalt's integers are 64-bit.
			continue
		case wantErr != nil:
			t.Errorf("query %d: %s\nPostgreSQL: %v\nBasalt answered:\n%s", i, q, wantErr, got)
		case gotErr != nil:
			t.Errorf("query %d: %s\nBasalt: %v\nPostgreSQL answered:\n%s", i, q, gotErr, want)
		default:
			if !sameRows(got, want) {
				t.Errorf("query %d: %s\nBasalt:\n%s\nPostgreSQL:\n%s", i, q, got, want)
			} else {
				continue
			}
		}
		if failures++; failures >= 60 {
			t.Fatal("too many differences")
		}
	}
	t.Logf("%d queries (%d hand-written), %d failing in both engines", len(queries), len(diffQueries), bothFailed)
	// Errors agree, but a generator that mostly writes failing queries
	// proves little.
	if only == "" && bothFailed > len(queries)/20 {
		t.Errorf("%d of %d queries fail in both engines", bothFailed, len(queries))
	}
}

// topLevelOrderBy reports whether q's outermost query block ends in ORDER
// BY (not one inside parentheses: a subquery, OVER or WITHIN GROUP).
func topLevelOrderBy(q string) bool {
	i := strings.LastIndex(q, "ORDER BY")
	return i >= 0 && strings.Count(q[:i], "(") == strings.Count(q[:i], ")")
}

type diffResult [][]string

func (d diffResult) String() string {
	var b strings.Builder
	for i, r := range d {
		if i == 20 {
			fmt.Fprintf(&b, "… %d rows\n", len(d))
			break
		}
		for j, c := range r {
			if j > 0 {
				b.WriteString(" | ")
			}
			_, text, ok := strings.Cut(c, "\x00")
			if !ok {
				text = c
			}
			b.WriteString(text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func runDiff(ctx context.Context, db sqllogic.DB, q string, sortRows bool) (diffResult, error) {
	_, rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make(diffResult, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			out[i][j] = normalCell(c)
		}
	}
	if sortRows {
		slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	}
	return out, nil
}

// normalCell writes numbers so that PostgreSQL's numeric ("2.5000") and
// Basalt's float ("2.5") sort alike; sameRows still compares them with a
// tolerance.
func normalCell(c sqllogic.Cell) string {
	if c.Null {
		return "NULL"
	}
	if x, err := strconv.ParseFloat(c.Text, 64); err == nil && c.Text != "" && !strings.ContainsAny(c.Text, "xX") {
		return strconv.FormatFloat(x, 'g', 8, 64) + "\x00" + c.Text
	}
	return c.Text
}

func sameRows(got, want diffResult) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for j := range got[i] {
			if !sameCell(got[i][j], want[i][j]) {
				return false
			}
		}
	}
	return true
}

func sameCell(a, b string) bool {
	if a == b {
		return true
	}
	_, at, ok1 := strings.Cut(a, "\x00")
	_, bt, ok2 := strings.Cut(b, "\x00")
	if !ok1 || !ok2 {
		return false
	}
	x, _ := strconv.ParseFloat(at, 64)
	y, _ := strconv.ParseFloat(bt, 64)
	return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))+1e-9
}
