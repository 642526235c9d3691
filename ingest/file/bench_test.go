package file

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/klauspost/compress/gzip"
)

// BenchmarkNDJSON measures the NDJSON reader (validation included) over
// RockBench-shaped documents (~1.3 KB), plain and gzip-compressed. The
// MB/s is of the uncompressed text.
func BenchmarkNDJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	now := time.Now().UnixMicro()
	var data []byte
	docs := 0
	for len(data) < 32<<20 {
		data = rockbench.AppendDoc(data, rng, "", now)
		data = append(data, '\n')
		docs++
	}
	for _, gzipped := range []bool{false, true} {
		src := data
		if gzipped {
			src = gz(data)
		}
		b.Run(fmt.Sprintf("gzip=%v", gzipped), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var r io.Reader = bytes.NewReader(src)
				if gzipped {
					zr, err := gzip.NewReader(r)
					if err != nil {
						b.Fatal(err)
					}
					r = zr
				}
				nr := newNDJSONReader(bufio.NewReaderSize(r, readBufferSize), "bench", -1)
				n := 0
				for {
					_, _, err := nr.next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != docs {
					b.Fatalf("%d documents, want %d", n, docs)
				}
			}
			b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
