package pgwire

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/server/httpapi"
	"github.com/jackc/pgx/v5"
)

// benchDocs loads n small event documents into commons.bench.
func benchDocs(b *testing.B, ts *testServer, n int) {
	b.Helper()
	docs := make([]string, 0, 1000)
	for i := 0; i < n; i++ {
		docs = append(docs, fmt.Sprintf(`{"_id": "k%d", "kind": "click", "n": %d, "user": {"id": %d}}`, i, i, i%97))
		if len(docs) == cap(docs) || i == n-1 {
			ts.load(b, "commons", "bench", docs...)
			docs = docs[:0]
		}
	}
}

// BenchmarkPointQuery times one prepared point query round trip (pgx,
// extended protocol, binary results) on one connection over loopback.
func BenchmarkPointQuery(b *testing.B) {
	ts := newTestServer(b)
	benchDocs(b, ts, 10_000)
	conn := ts.connect(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var n int64
		if err := conn.QueryRow(ctx, "SELECT n FROM bench WHERE _id = $1", "k"+strconv.Itoa(i%10_000)).Scan(&n); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkPreparedQPS runs prepared point queries from 8 connections at
// once and reports queries per second.
func BenchmarkPreparedQPS(b *testing.B) {
	ts := newTestServer(b)
	benchDocs(b, ts, 10_000)
	const conns = 8
	cs := make([]*pgx.Conn, conns)
	for i := range cs {
		cs[i] = ts.connect(b)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				var n int64
				if err := c.QueryRow(context.Background(), "SELECT n FROM bench WHERE _id = $1", "k"+strconv.Itoa(int(i%10_000))).Scan(&n); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
}

// BenchmarkCopy loads events with COPY … FROM STDIN (NDJSON and CSV) and,
// for comparison, with the HTTP write API (5,000 documents per request)
// into an engine of the same kind, and reports docs/s for each.
func BenchmarkCopy(b *testing.B) {
	const rows = 100_000
	var ndjson, csv bytes.Buffer
	csv.WriteString("_id,kind,n,amount,user\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&ndjson, `{"_id":"e%d","kind":"click","n":%d,"amount":%d.5,"user":"u%d"}`+"\n", i, i, i%1000, i%97)
		fmt.Fprintf(&csv, "e%d,click,%d,%d.5,u%d\n", i, i, i%1000, i%97)
	}
	b.Run("via=copy-ndjson", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ts := newTestServer(b)
			ts.load(b, "commons", "ev")
			conn := ts.connect(b)
			start := time.Now()
			tag, err := conn.PgConn().CopyFrom(context.Background(), bytes.NewReader(ndjson.Bytes()), "COPY ev FROM STDIN (FORMAT ndjson)")
			if err != nil || tag.RowsAffected() != rows {
				b.Fatal(tag, err)
			}
			b.ReportMetric(rows/time.Since(start).Seconds(), "docs/s")
		}
	})
	b.Run("via=copy-csv", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ts := newTestServer(b)
			ts.load(b, "commons", "ev")
			conn := ts.connect(b)
			start := time.Now()
			tag, err := conn.PgConn().CopyFrom(context.Background(), bytes.NewReader(csv.Bytes()), "COPY ev FROM STDIN (FORMAT csv, HEADER)")
			if err != nil || tag.RowsAffected() != rows {
				b.Fatal(tag, err)
			}
			b.ReportMetric(rows/time.Since(start).Seconds(), "docs/s")
		}
	})
	b.Run("via=pgx-copyfrom-binary", func(b *testing.B) {
		src := make([][]any, rows)
		for i := range src {
			src[i] = []any{fmt.Sprintf("e%d", i), "click", int64(i), float64(i%1000) + 0.5, fmt.Sprintf("u%d", i%97)}
		}
		for i := 0; i < b.N; i++ {
			ts := newTestServer(b)
			// pgx encodes each column as the type Basalt describes, from
			// the kinds the collection holds: seed them.
			ts.load(b, "commons", "ev", `{"_id": "seed", "kind": "x", "n": 1, "amount": 0.5, "user": "u"}`)
			conn := ts.connect(b)
			start := time.Now()
			n, err := conn.CopyFrom(context.Background(), pgx.Identifier{"ev"}, []string{"_id", "kind", "n", "amount", "user"}, pgx.CopyFromRows(src))
			if err != nil || n != rows {
				b.Fatal(n, err)
			}
			b.ReportMetric(rows/time.Since(start).Seconds(), "docs/s")
		}
	})
	b.Run("via=http", func(b *testing.B) {
		lines := bytes.Split(bytes.TrimSpace(ndjson.Bytes()), []byte("\n"))
		var bodies [][]byte
		for i := 0; i < len(lines); i += 5000 {
			body := []byte(`{"data":[`)
			body = append(body, bytes.Join(lines[i:min(i+5000, len(lines))], []byte(","))...)
			bodies = append(bodies, append(body, "]}"...))
		}
		for i := 0; i < b.N; i++ {
			ts := newTestServer(b)
			ts.load(b, "commons", "ev")
			api := httpapi.New(httpapi.Config{Engine: ts.eng})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			hs := &http.Server{Handler: api}
			go hs.Serve(ln)
			url := "http://" + ln.Addr().String() + "/v1/orgs/self/ws/commons/collections/ev/docs"
			start := time.Now()
			for _, body := range bodies {
				resp, err := http.Post(url, "application/json", bytes.NewReader(body))
				if err != nil || resp.StatusCode != 200 {
					b.Fatal(resp, err)
				}
				resp.Body.Close()
			}
			b.ReportMetric(rows/time.Since(start).Seconds(), "docs/s")
			hs.Close()
			api.Close()
		}
	})
}
