package filesource

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
)

// BenchmarkS3Source loads one NDJSON object of about size=… MB from the
// in-process S3 server into a fresh collection per iteration, and reports
// documents and bytes per second from the source's creation to WATCHING.
//
//	go test -run '^$' -bench S3Source -benchtime 1x ./ingest/filesource
func BenchmarkS3Source(b *testing.B) {
	for _, mb := range []int{5, 50} {
		b.Run(fmt.Sprintf("size=%dMB", mb), func(b *testing.B) {
			s3 := startS3(b)
			var buf bytes.Buffer
			docs := 0
			for buf.Len() < mb<<20 {
				fmt.Fprintf(&buf, `{"ts":"2024-05-01T12:%02d:%02dZ","user":"u%d","event":"%s","v":%d,"props":{"page":"/p/%d","ms":%d,"ok":%t}}`+"\n",
					docs/60%60, docs%60, docs%5000, []string{"click", "view", "buy"}[docs%3], docs, docs%977, docs%3000, docs%7 != 0)
				docs++
			}
			s3.put("bench/events.ndjson", buf.Bytes())
			n := openNode(b, b.TempDir(), Options{Interval: time.Hour})
			defer n.Close()
			b.SetBytes(int64(buf.Len()))
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				coll := fmt.Sprintf("bench%d", i)
				n.createS3Source(s3, coll, catalog.S3Source{Bucket: "hist", Prefix: "bench/"}, catalog.FormatParams{})
				deadline := time.Now().Add(5 * time.Minute)
				for {
					if time.Now().After(deadline) {
						b.Fatalf("stuck: %+v", n.Status(coll))
					}
					st := n.Status(coll)
					if st.State == ingest.StateWatching && st.Records == int64(docs) && st.BadRecords == 0 {
						break
					}
					if st.State == ingest.StateError {
						b.Fatal(st.Message)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(docs*b.N)/el, "docs/s")
		})
	}
}
