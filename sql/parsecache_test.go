package sql

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestParseCacheShared runs the same texts from several sessions at once:
// their cached statements are shared, so nothing may write to them (the
// race detector runs this in make test), and answers must not change.
func TestParseCacheShared(t *testing.T) {
	_, eng := newTestSession(t, `{"_id":"a","k":"x","n":1,"tags":["r"]}`, `{"_id":"b","k":"y","n":2,"tags":[]}`)
	queries := map[string]string{
		"SELECT k, count(*) AS c FROM t WHERE n > 0 GROUP BY k ORDER BY k":              "\"x\" 1\n\"y\" 1\n",
		"SELECT _id FROM t WHERE 'r' = ANY(tags) OR k IN ('y') ORDER BY 1":              "\"a\"\n\"b\"\n",
		"SELECT k, sum(n) OVER (ORDER BY _id) FROM t WHERE k = :k":                      "\"x\" 1\n",
		"WITH s AS (SELECT n FROM t) SELECT max(n) FROM s WHERE n IN (SELECT n FROM t)": "2\n",
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSession(eng, Limits{})
			for i := range 30 {
				for q, want := range queries {
					res, err := s.Query(context.Background(), q, Params{Named: map[string]types.Value{"k": types.String("x")}})
					if err != nil {
						errs <- fmt.Errorf("session %d run %d: %s: %v", g, i, q, err)
						return
					}
					if got := rowsText(res); got != want {
						errs <- fmt.Errorf("session %d run %d: %s: got %q, want %q", g, i, q, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
