package storage

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestMutableValuesPassing checks the filter answers the mutable segment
// remembers per filter (SegmentView.ValuesPassing): extended by the values
// that appear after they were first computed, and computed once per value;
// an older snapshot sees the new values without rows.
func TestMutableValuesPassing(t *testing.T) {
	e, _ := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, SealRows: 1 << 20}, "c")
	write := func(from, to int) {
		var docs []string
		for i := from; i < to; i++ {
			docs = append(docs, fmt.Sprintf(`{"_id":"d%d","page":"/p%d"}`, i, i%(to-from/2)))
		}
		writeDocs(t, e, "c", docs...)
	}
	computed := map[string]int{}
	// A filter on pages whose number holds a 1.
	compute := func(vals []ValueCount) []int {
		var pass []int
		for i, vc := range vals {
			computed[vc.Value.Str()]++
			if strings.Contains(vc.Value.Str(), "1") {
				pass = append(pass, i)
			}
		}
		return pass
	}
	passing := func(s *Snapshot) []string {
		t.Helper()
		views := s.Segments()
		if len(views) != 1 || views[0].Sealed() {
			t.Fatalf("%d views, want the mutable segment alone", len(views))
		}
		v := views[0]
		vals, ok, err := v.ValueCounts("page", false)
		if err != nil || !ok {
			t.Fatalf("value counts: %v %v", ok, err)
		}
		var got, visible []string
		pass := v.ValuesPassing("page", vals, "has 1", compute)
		live, err := v.LiveCounts(nil, "page", vals, pass, true)
		if err != nil {
			t.Fatal(err)
		}
		for k, i := range pass {
			got = append(got, vals[i].Value.Str())
			if live[k].Rows > 0 {
				visible = append(visible, vals[i].Value.Str())
			}
		}
		var want []string
		for _, vc := range vals {
			if strings.Contains(vc.Value.Str(), "1") {
				want = append(want, vc.Value.Str())
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("passing %v, want %v", got, want)
		}
		return visible
	}
	write(0, 40)
	old, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	before := passing(old)
	write(40, 200) // new pages, some with a 1
	s, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := passing(s)
	if len(after) <= len(before) {
		t.Fatalf("%d pages pass after new ones, %d before", len(after), len(before))
	}
	// The older snapshot still sees rows of its own values only.
	if again := passing(old); !slices.Equal(again, before) {
		t.Fatalf("old snapshot: %v, was %v", again, before)
	}
	for page, n := range computed {
		if n != 1 {
			t.Fatalf("%s filtered %d times", page, n)
		}
	}
}
