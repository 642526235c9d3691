package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// runKafka measures how fast a collection's Kafka source ingests: it
// produces --docs RockBench documents to a topic first (an in-process Kafka
// cluster unless --brokers is given), then creates the collection with a
// source on the topic and times the documents until all are visible. The
// figure compares with the insert mode over HTTP.
func (b *ingestBench) runKafka(ctx context.Context, out io.Writer) error {
	if b.mode != "insert" {
		return fmt.Errorf("--transport kafka measures the insert mode only")
	}
	if b.maxDocs == 0 {
		b.maxDocs = 300000
	}
	brokers := b.brokers
	if brokers == "" {
		c, err := newBenchCluster()
		if err != nil {
			return err
		}
		defer c.Close()
		brokers = strings.Join(c.ListenAddrs(), ",")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(1<<16))
	if err != nil {
		return err
	}
	defer cl.Close()
	topic := b.collection
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, int32(b.partitions), 1, nil, topic); err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	fmt.Fprintf(out, "producing %d documents to topic %s (%d partitions)...\n", b.maxDocs, topic, b.partitions)
	var bytes atomic.Int64
	var failed atomic.Int64
	for i := 0; i < b.maxDocs; i++ {
		doc := b.appendDoc(nil, int64(i), fmt.Sprintf("k%d", i))
		bytes.Add(int64(len(doc)))
		cl.Produce(ctx, &kgo.Record{Topic: topic, Value: doc}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d records failed to produce", n)
	}
	post := func(path string, body any) error {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, "POST", b.url+path, strings.NewReader(string(raw)))
		resp, err := b.client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 && resp.StatusCode != http.StatusConflict {
			return fmt.Errorf("POST %s: %s", path, msg)
		}
		return nil
	}
	if err := post("/v1/orgs/self/integrations", map[string]any{"name": "bench_ingest", "kafka": map[string]any{"bootstrap_servers": brokers}}); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(b.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	cpu0, _ := b.serverMetric(ctx, "process_cpu_seconds_total")
	start := time.Now()
	if err := post(fmt.Sprintf("/v1/orgs/self/ws/%s/collections", b.workspace), map[string]any{
		"name": b.collection,
		"sources": []any{map[string]any{"integration_name": "bench_ingest", "format_params": map[string]any{"json": true},
			"kafka": map[string]any{"kafka_topic_name": topic, "offset_reset_policy": "EARLIEST"}}},
	}); err != nil {
		return err
	}
	// The sustained rate counts from the first documents visible: the
	// source's start (connecting, listing offsets, the first fetch) is
	// not ingest, and the write API's figure has no such start either.
	var count, firstCount int64
	var first time.Time
	var cpuFirst float64
	for deadline := start.Add(b.duration); ; time.Sleep(50 * time.Millisecond) {
		count = b.docCount(ctx)
		if count > 0 && first.IsZero() {
			first, firstCount = time.Now(), count
			cpuFirst, _ = b.serverMetric(ctx, "process_cpu_seconds_total")
		}
		if count >= int64(b.maxDocs) || time.Now().After(deadline) {
			break
		}
	}
	end := time.Now()
	secs := end.Sub(start).Seconds()
	fmt.Fprintf(out, "transport=kafka mode=insert partitions=%d\n", b.partitions)
	fmt.Fprintf(out, "  ingested     %d of %d docs in %.1fs from a backlog (first visible after %.2fs)\n", count, b.maxDocs, secs, first.Sub(start).Seconds())
	mib := func(docs int64, s float64) float64 {
		return float64(bytes.Load()) * float64(docs) / float64(b.maxDocs) / s / (1 << 20)
	}
	sustained := end.Sub(first).Seconds()
	if first.IsZero() || count == firstCount || sustained <= 0 {
		sustained = secs
		firstCount = 0
	}
	fmt.Fprintf(out, "  throughput   %.0f docs/s, %.1f MiB/s of JSON sustained (%.0f docs/s from the source's creation)\n",
		float64(count-firstCount)/sustained, mib(count-firstCount, sustained), float64(count)/secs)
	if cpu1, err := b.serverMetric(ctx, "process_cpu_seconds_total"); err == nil && cpu0 > 0 && count > 0 {
		if cpuFirst > 0 && count > firstCount && firstCount > 0 {
			cpu0, count = cpuFirst, count-firstCount
			secs = sustained
		}
		fmt.Fprintf(out, "  server CPU   %.1f µs per document (%.2f cores)\n", (cpu1-cpu0)/float64(count)*1e6, (cpu1-cpu0)/secs)
	}
	if rss, err := b.serverMetric(ctx, "process_resident_memory_bytes"); err == nil {
		fmt.Fprintf(out, "  server RSS   %.0f MiB\n", rss/(1<<20))
	}
	return nil
}

// docCount reads the collection's exact document count.
func (b *ingestBench) docCount(ctx context.Context) int64 {
	req, _ := http.NewRequestWithContext(ctx, "GET", b.collURL(), nil)
	resp, err := b.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Stats struct {
				DocCount int64 `json:"doc_count"`
			} `json:"stats"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return body.Data.Stats.DocCount
}
