package encoding

import "testing"

func TestBools(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 100} {
		vals := make([]int64, n)
		for i := range vals {
			if i%3 == 0 || i%5 == 0 {
				vals[i] = 1
			}
		}
		sec := appendBools([]byte{0xff}, vals)[1:]
		if len(sec) != (n+7)/8 {
			t.Fatalf("n=%d: %d bytes", n, len(sec))
		}
		got := make([]int64, n)
		r := reader{b: sec}
		if err := decodeBools(&r, got); err != nil || r.done() != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		for i := range vals {
			if got[i] != vals[i] {
				t.Fatalf("n=%d: row %d = %d", n, i, got[i])
			}
		}
	}
	r := reader{b: []byte{1}}
	requireCorrupt(t, decodeBools(&r, make([]int64, 9)))
}
