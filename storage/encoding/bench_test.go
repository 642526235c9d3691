package encoding

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// benchColumns are typical columns of one full block each.
func benchColumns() []struct {
	name string
	vec  *coldata.Vec
} {
	const n = MaxBlockRows
	rng := rand.New(rand.NewPCG(42, 42))
	build := func(f func(i int) types.Value) *coldata.Vec {
		r := make(rows, n)
		for i := range r {
			r[i] = f(i)
		}
		return r.vec()
	}
	id := int64(1_000_000)
	levels := []string{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}
	return []struct {
		name string
		vec  *coldata.Vec
	}{
		{"kind=int/sorted", build(func(int) types.Value {
			id += 1 + rng.Int64N(100) // ids with gaps from deletes
			return types.Int(id)
		})},
		{"kind=float/decimal", build(func(int) types.Value {
			return types.Float(float64(rng.IntN(1_000_000)) / 100) // prices
		})},
		{"kind=string/dict", build(func(int) types.Value {
			return types.String(levels[rng.IntN(len(levels))])
		})},
		{"kind=string/plain", build(func(i int) types.Value {
			return types.String(fmt.Sprintf("/api/v1/users/%d/orders/%d", rng.IntN(100_000), i))
		})},
		{"kind=mixed", build(func(int) types.Value {
			// A field most documents have as an int, some as a string,
			// some leave out or set to null.
			switch x := rng.IntN(10); {
			case x < 6:
				return types.Int(rng.Int64N(10_000))
			case x < 7:
				return types.String(levels[rng.IntN(len(levels))])
			case x < 8:
				return types.Null
			default:
				return types.Undefined
			}
		})},
	}
}

// logicalBytes is the payload size of v as the engine holds it: 8 bytes a
// number or timestamp, 1 a bool, the bytes of strings and of the binary
// encodings of arrays and objects; null and undefined rows count nothing.
func logicalBytes(v *coldata.Vec) int64 {
	var size int64
	for i := range v.Len() {
		switch k := v.Kind(i); k {
		case types.KindBool:
			size++
		case types.KindInt, types.KindFloat, types.KindTimestamp:
			size += 8
		case types.KindString:
			size += int64(len(v.Str[i]))
		case types.KindArray, types.KindObject:
			size += int64(len(types.AppendBinary(nil, v.Any[i])))
		}
	}
	return size
}

func BenchmarkAppendBlock(b *testing.B) {
	for _, c := range benchColumns() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(logicalBytes(c.vec))
			var block []byte
			for b.Loop() {
				block = AppendBlock(block[:0], c.vec)
			}
			b.ReportMetric(float64(len(block))/float64(c.vec.Len()), "B/value")
		})
	}
}

func BenchmarkDecodeBlock(b *testing.B) {
	for _, c := range benchColumns() {
		b.Run(c.name, func(b *testing.B) {
			block := AppendBlock(nil, c.vec)
			var d Decoder
			var v coldata.Vec
			b.ReportAllocs()
			b.SetBytes(logicalBytes(c.vec))
			for b.Loop() {
				if err := d.DecodeBlock(block, &v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(block))/float64(c.vec.Len()), "B/value")
		})
	}
}

// BenchmarkDecodeBlockRows decodes the rows an index lookup selects from a
// block: one row in 37, about the share of one event type's rows in the
// query benchmark's blocks.
func BenchmarkDecodeBlockRows(b *testing.B) {
	for _, c := range benchColumns() {
		b.Run(c.name, func(b *testing.B) {
			block := AppendBlock(nil, c.vec)
			var sel []int
			for i := 5; i < c.vec.Len(); i += 37 {
				sel = append(sel, i)
			}
			var d Decoder
			var v coldata.Vec
			b.ReportAllocs()
			for b.Loop() {
				if err := d.DecodeBlockRows(block, &v, sel); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sel)), "ns/row")
		})
	}
}

// BenchmarkSmallBlockAfterLarge encodes a one-value block with the pooled
// encoder that last encoded a block of MaxBlockRows strings and arrays, as
// the one-value columns of a patch workload's segments (fields of random
// names) follow its large columns. putEncoder cleared the encoder's whole
// capacity then: megabytes for each small block.
func BenchmarkSmallBlockAfterLarge(b *testing.B) {
	var large, small rows
	for i := range MaxBlockRows {
		if i%2 == 0 {
			large.add(types.String(fmt.Sprintf("value %d", i)))
		} else {
			large.add(types.Array([]types.Value{types.Int(int64(i))}))
		}
	}
	small.add(types.String("x"))
	lv, sv := large.vec(), small.vec()
	var block []byte
	for b.Loop() {
		b.StopTimer()
		block = AppendBlock(block[:0], lv)
		b.StartTimer()
		block = AppendBlock(block[:0], sv)
	}
}
