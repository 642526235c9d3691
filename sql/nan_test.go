package sql

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/internal/pgoracle"
	"github.com/basaltdb/basalt/internal/sqllogic"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// nanQueries meet NaN and the infinities in every place a float is ordered
// or compared: filters the inverted index and the zone maps answer, typed
// vector kernels, sorts and top-N, MIN/MAX, grouping, DISTINCT, windows and
// percentiles. PostgreSQL orders NaN above every number and equal to
// itself; Basalt must agree wherever the rows live.
var nanQueries = []string{
	`SELECT id FROM nf WHERE x > 99.5`,
	`SELECT id FROM nf WHERE x >= 99.8`,
	`SELECT id FROM nf WHERE x < -99.5`,
	`SELECT id FROM nf WHERE x > 1e300`,
	`SELECT id FROM nf WHERE x >= 'Infinity'`,
	`SELECT id FROM nf WHERE x > 'Infinity'`,
	`SELECT id FROM nf WHERE x < '-Infinity'`,
	`SELECT id FROM nf WHERE x = 'NaN'`,
	`SELECT id FROM nf WHERE x >= 'NaN'`,
	`SELECT id FROM nf WHERE x > 'NaN'`,
	`SELECT count(*) FROM nf WHERE x < 'NaN'`,
	`SELECT count(*) FROM nf WHERE x <= 'NaN'`,
	`SELECT count(*) FROM nf WHERE x <> 'NaN'`,
	`SELECT count(*) FROM nf WHERE x > 50`,
	`SELECT count(*) FROM nf WHERE x < 50`,
	`SELECT count(*) FROM nf WHERE NOT (x < 50)`,
	`SELECT id FROM nf WHERE x BETWEEN 99.7 AND 'NaN'`,
	`SELECT id FROM nf WHERE x BETWEEN 99.7 AND 'Infinity'`,
	`SELECT id FROM nf WHERE x IN (99.9, 'NaN')`,
	`SELECT count(*) FROM nf WHERE x NOT IN (1, 'NaN')`,
	`SELECT id FROM nf WHERE x > 99.5 AND i = 3`,
	`SELECT id FROM nf WHERE x > i * 10 + 95`,
	`SELECT id FROM nf WHERE x * 2 > 199.2`,
	`SELECT id, x FROM nf WHERE x > 99 OR x < -99 ORDER BY x, id`,
	`SELECT id, x FROM nf WHERE x > 99 OR x < -99 ORDER BY x DESC, id`,
	`SELECT id, x FROM nf ORDER BY x DESC, id LIMIT 12`,
	`SELECT id, x FROM nf ORDER BY x, id LIMIT 12`,
	`SELECT id, x FROM nf ORDER BY x DESC NULLS LAST, id LIMIT 12`,
	`SELECT id, x FROM nf ORDER BY x NULLS FIRST, id LIMIT 12`,
	`SELECT id, x FROM nf WHERE i = 4 ORDER BY x DESC, id LIMIT 5`,
	`SELECT id, x FROM nf ORDER BY x DESC, id LIMIT 5 OFFSET 20`,
	`SELECT min(x), max(x), count(x) FROM nf`,
	`SELECT i, min(x), max(x), count(x) FROM nf GROUP BY i ORDER BY i`,
	`SELECT max(x) FROM nf WHERE x < 'Infinity'`,
	`SELECT min(x) FROM nf WHERE x > 99.9`,
	`SELECT x, count(*) FROM nf WHERE x > 99.5 OR x < -99.5 GROUP BY x ORDER BY x`,
	`SELECT count(DISTINCT x) FROM nf`,
	`SELECT DISTINCT x FROM nf WHERE x > 99.5 ORDER BY x`,
	`SELECT percentile_disc(0.999) WITHIN GROUP (ORDER BY x) FROM nf`,
	`SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM nf`,
	`SELECT percentile_cont(0.999) WITHIN GROUP (ORDER BY x) FROM nf`,
	`SELECT i, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM nf GROUP BY i ORDER BY i`,
	`SELECT id, rank() OVER (ORDER BY x DESC) AS r FROM nf ORDER BY r, id LIMIT 15`,
	`SELECT id, x, max(x) OVER (PARTITION BY i) FROM nf WHERE x > 99.7 ORDER BY id`,
	`SELECT greatest(x, 5), least(x, 5), count(*) FROM nf WHERE x > 99.8 OR x < -99.8 GROUP BY 1, 2 ORDER BY 1, 2`,
	`SELECT CASE WHEN x > 0 THEN 'pos' WHEN x < 0 THEN 'neg' ELSE 'other' END AS c, count(*) FROM nf GROUP BY 1 ORDER BY 1`,
	`SELECT a.id, b.id FROM nf a JOIN nf b ON a.x = b.x WHERE a.x > 99.9 AND a.id < b.id ORDER BY 1, 2 LIMIT 20`,
	`SELECT sum(x), avg(x) FROM nf WHERE x > 99.8`,
	`SELECT count(DISTINCT x) FROM nf WHERE x > 99`,
	`SELECT x, count(*) FROM nf WHERE x = 'NaN' GROUP BY x`,
	`SELECT DISTINCT x FROM nf WHERE x > 99.8`,
	`SELECT count(*) FROM nf a JOIN nf b ON a.x = b.x WHERE a.x = 'NaN'`,
	`SELECT x FROM nf WHERE x > 99.9 UNION SELECT x FROM nf WHERE x = 'NaN'`,
	`SELECT i, count(DISTINCT x) FROM nf GROUP BY i ORDER BY i`,
	`SELECT x FROM nf WHERE i = 1 INTERSECT SELECT x FROM nf WHERE i = 2`,
	`SELECT count(*) FROM nf WHERE x IN (SELECT x FROM nf WHERE x = 'NaN' AND i = 0)`,
	`SELECT DISTINCT x, count(*) OVER (PARTITION BY x) FROM nf WHERE x = 'NaN'`,
	`SELECT DISTINCT ON (x) x, id FROM nf WHERE x > 99.8 ORDER BY x, id`,
}

// TestNaNAgreesWithPostgres loads floats with NaN, both infinities, -0 and
// NULL into PostgreSQL and into Basalt (in the mutable segment, sealed into
// segments of 500 rows with their zone maps and inverted index, and
// compacted), and compares nanQueries.
func TestNaNAgreesWithPostgres(t *testing.T) {
	ctx := context.Background()
	pg := sqllogic.PGX(pgoracle.Shared(t).NewDB(t))
	if err := pg.Exec(ctx, "SET extra_float_digits = 1; CREATE TABLE nf (id int4, x float8, i int4)"); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(17, 19))
	const rows = 2000
	var values []string
	var docs []types.Value
	for id := 1; id <= rows; id++ {
		var x float64
		null := false
		switch n := r.IntN(100); {
		case n < 2:
			// NaNs of other bits (Inf - Inf gives the negative one) are
			// the same NaN to SQL.
			x = [...]float64{math.NaN(), math.Float64frombits(0xfff8000000000000), math.Float64frombits(0x7ff0000000000123)}[id%3]
		case n < 3:
			x = math.Inf(1)
		case n < 4:
			x = math.Inf(-1)
		case n < 5:
			x = math.Copysign(0, -1)
		case n < 9:
			null = true
		default:
			x = float64(r.IntN(2001)-1000) / 10
		}
		i := r.IntN(10)
		fields := []types.Field{{Name: "_id", Value: types.String(strconv.Itoa(id))}, {Name: "id", Value: types.Int(int64(id))}, {Name: "i", Value: types.Int(int64(i))}}
		pgX := "NULL"
		if !null {
			pgX = "'" + fn.FormatFloat(x) + "'::float8"
			fields = append(fields, types.Field{Name: "x", Value: types.Float(x)})
		}
		values = append(values, fmt.Sprintf("(%d,%s,%d)", id, pgX, i))
		docs = append(docs, types.Object(fields))
	}
	if err := pg.Exec(ctx, "INSERT INTO nf VALUES "+strings.Join(values, ",")); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []loadMode{loadMutable, loadSealed, loadCompacted} {
		t.Run(mode.String(), func(t *testing.T) {
			sealRows := 0
			if mode != loadMutable {
				sealRows = 500
			}
			eng := openTestEngine(t, sealRows)
			if _, err := eng.CreateCollection(DefaultWorkspace, catalog.CollectionSpec{Name: "nf"}); err != nil {
				t.Fatal(err)
			}
			writeValues(t, eng, "nf", docs, 250)
			if mode != loadMutable {
				if err := eng.Flush(ctx, DefaultWorkspace, "nf"); err != nil {
					t.Fatal(err)
				}
			}
			if mode == loadCompacted {
				eng.RunMaintenance(ctx)
			}
			bdb := &logicDB{eng: eng, sess: NewSession(eng, Limits{Timeout: 20 * time.Second})}
			for _, q := range nanQueries {
				ordered := topLevelOrderBy(q)
				want, wantErr := runDiff(ctx, pg, q, !ordered)
				got, gotErr := runDiff(ctx, bdb, q, !ordered)
				switch {
				case wantErr != nil || gotErr != nil:
					t.Errorf("%s\nPostgreSQL: %v\nBasalt: %v", q, wantErr, gotErr)
				case !sameRows(got, want):
					t.Errorf("%s\nBasalt:\n%s\nPostgreSQL:\n%s", q, got, want)
				}
			}
			if mode == loadSealed {
				// The selective ranges must be the inverted index's to answer.
				plan := explainText(t, bdb.sess, "EXPLAIN SELECT id FROM nf WHERE x > 99.5")
				if !strings.Contains(plan, "index") {
					t.Errorf("x > 99.5 is not answered by the index:\n%s", plan)
				}
			}
		})
	}
}

func explainText(t *testing.T, s *Session, q string) string {
	t.Helper()
	res, err := s.Query(context.Background(), q, Params{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range res.Rows {
		for _, v := range r {
			text, _ := TextValue(v)
			b.WriteString(text + "\n")
		}
	}
	return b.String()
}
