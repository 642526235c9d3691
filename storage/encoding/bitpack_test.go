package encoding

import (
	"math/rand/v2"
	"testing"
)

func TestPackUnpackAllWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for w := uint(0); w <= 64; w++ {
		for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 17, 63, 64, 65, 1000} {
			vals := make([]uint64, n)
			for i := range vals {
				vals[i] = rng.Uint64()
				if w < 64 {
					vals[i] &= 1<<w - 1
				}
				if i%7 == 0 && w > 0 { // the extremes of the width
					vals[i] = 1<<w - 1
				}
			}
			packed := appendPacked([]byte{0xaa}, vals, w)
			if packed[0] != 0xaa {
				t.Fatalf("w=%d n=%d: prefix overwritten", w, n)
			}
			packed = packed[1:]
			if len(packed) != packedLen(n, w) {
				t.Fatalf("w=%d n=%d: %d bytes, want %d", w, n, len(packed), packedLen(n, w))
			}
			got := make([]uint64, n)
			unpack(got, packed, w)
			signed := make([]int64, n)
			unpack(signed, packed, w)
			for i := range vals {
				if got[i] != vals[i] || uint64(signed[i]) != vals[i] {
					t.Fatalf("w=%d n=%d: value %d = %#x/%#x, want %#x", w, n, i, got[i], signed[i], vals[i])
				}
				if w > 0 && w < 64 && bitsAt(packed, uint(i)*w, w)&(1<<w-1) != vals[i] {
					t.Fatalf("w=%d n=%d: bitsAt(%d) wrong", w, n, i)
				}
			}
		}
	}
}

func TestPackedLayoutIsLSBFirst(t *testing.T) {
	// The on-disk layout is fixed by docs/format/column-block.md: value i
	// at bits [i*w, (i+1)*w), least significant bit first.
	got := appendPacked(nil, []uint64{1, 2, 3, 0, 7}, 3)
	// bits: 001 010 011 000 111 -> 0b_1_000_011_010_001 little-endian
	want := []byte{0b11_010_001, 0b0_111_000_0}
	if string(got) != string(want) {
		t.Fatalf("packed %08b, want %08b", got, want)
	}
}

func BenchmarkUnpack(b *testing.B) {
	for _, w := range []uint{1, 7, 13, 32, 57, 64} {
		vals := make([]uint64, 1<<16)
		for i := range vals {
			vals[i] = uint64(i) & (1<<w - 1)
		}
		packed := appendPacked(nil, vals, w)
		b.Run("width="+itoa(int(w)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(8 * len(vals)))
			for b.Loop() {
				unpack(vals, packed, w)
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func BenchmarkPack(b *testing.B) {
	for _, w := range []uint{1, 7, 13, 32, 57, 64} {
		vals := make([]uint64, 1<<16)
		for i := range vals {
			vals[i] = uint64(i) & (1<<w - 1)
		}
		b.Run("width="+itoa(int(w)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(8 * len(vals)))
			var out []byte
			for b.Loop() {
				out = appendPacked(out[:0], vals, w)
			}
		})
	}
}
