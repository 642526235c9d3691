package storage

import (
	"fmt"
	"testing"
)

func TestIDFilter(t *testing.T) {
	var f idFilter
	const n = 300000
	for i := 0; i < n; i++ {
		f.add(idHash(fmt.Sprintf("id-%d", i)))
	}
	for i := 0; i < n; i++ {
		if !f.mayContain(idHash(fmt.Sprintf("id-%d", i))) {
			t.Fatalf("false negative for id-%d", i)
		}
	}
	fp := 0
	for i := 0; i < n; i++ {
		if f.mayContain(idHash(fmt.Sprintf("other-%d", i))) {
			fp++
		}
	}
	// Several filters are checked, each about 1%: the total stays low.
	if rate := float64(fp) / n; rate > 0.04 {
		t.Fatalf("false-positive rate %.3f", rate)
	}
	if n := len(*f.filters.Load()); n < 2 {
		t.Fatalf("filter did not scale: %d filters", n)
	}
}
