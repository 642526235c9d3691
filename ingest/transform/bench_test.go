package transform

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// BenchmarkApply measures Apply alone (no storage write) on batches of
// 1,000 events: a plain transformation (rename, cast, filter, computed
// _id and _event_time) and the rollup of the differential test (fold ops
// built, not run).
func BenchmarkApply(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]types.Value, 1000)
	bytes := 0
	for i := range docs {
		docs[i] = randomEvent(r, i)
		bytes += len(docs[i].JSON())
	}
	for _, bc := range []struct{ name, sql string }{
		{"kind=plain", `SELECT * EXCEPT (v), CAST(v AS float) AS value, 'dev-' || device AS source, _id || ':' || usr AS _id, DATE_TRUNC('second', _event_time) AS _event_time FROM _input WHERE device <> 'ignored'`},
		{"kind=rollup", rollupSQL},
	} {
		b.Run(fmt.Sprintf("%s/batch=%d", bc.name, len(docs)), func(b *testing.B) {
			tr, err := Compile(bc.sql)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(bytes))
			for b.Loop() {
				out := tr.Apply(context.Background(), docs)
				if len(out.Docs) != len(docs) {
					b.Fatal("lost documents")
				}
			}
			b.ReportMetric(float64(b.N)*float64(len(docs))/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
