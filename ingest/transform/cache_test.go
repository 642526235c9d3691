package transform

import (
	"sync"
	"testing"

	"github.com/basaltdb/basalt/catalog"
)

// TestCacheCompilesOnce: concurrent first uses of a collection compile its
// query once; another query text under the same id (never the case for a
// live collection), or a forgotten id, compiles again; a query that does
// not compile fails every use.
func TestCacheCompilesOnce(t *testing.T) {
	c := NewCache()
	col := catalog.Collection{ID: 7, FieldMappingQuery: "SELECT *, 1 AS one FROM _input"}
	var wg sync.WaitGroup
	got := make([]*Transform, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := c.ForCollection(col)
			if err != nil {
				t.Error(err)
			}
			got[i] = tr
		}()
	}
	wg.Wait()
	for _, tr := range got {
		if tr == nil || tr != got[0] {
			t.Fatal("concurrent uses got different transformations")
		}
	}
	if n := c.Compiles(); n != 1 {
		t.Fatalf("%d compilations, want 1", n)
	}
	col2 := col
	col2.FieldMappingQuery = "SELECT *, 2 AS two FROM _input"
	if tr, err := c.ForCollection(col2); err != nil || tr == got[0] || c.Compiles() != 2 {
		t.Fatalf("another query text: %v, same transform %v, %d compilations", err, tr == got[0], c.Compiles())
	}
	c.Forget(col.ID)
	if _, err := c.ForCollection(col); err != nil || c.Compiles() != 3 {
		t.Fatalf("after Forget: %v, %d compilations", err, c.Compiles())
	}
	if tr, err := c.ForCollection(catalog.Collection{ID: 8}); tr != nil || err != nil || c.Compiles() != 3 {
		t.Fatalf("no query: %v %v", tr, err)
	}
	bad := catalog.Collection{ID: 9, FieldMappingQuery: "SELECT nope( FROM _input"}
	for range 2 {
		if _, err := c.ForCollection(bad); err == nil {
			t.Fatal("a query that does not compile was accepted")
		}
	}
}
