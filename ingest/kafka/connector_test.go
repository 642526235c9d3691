package kafka

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// testNode is an engine with an ingest manager running the Kafka
// connector, reopened on the same directory to simulate restarts.
type testNode struct{ *ingesttest.Node }

func openNode(t *testing.T, dir string) *testNode {
	t.Helper()
	return &testNode{ingesttest.Open(t, dir, map[string]ingest.Connector{"kafka": Connector(Options{LagInterval: 50 * time.Millisecond})})}
}

// createSource makes an integration for the cluster and a collection
// consuming topic.
func (n *testNode) createSource(addrs []string, topic, coll string, reset string) catalog.Collection {
	n.T.Helper()
	return n.createSourceQuery(addrs, topic, coll, reset, "")
}

// createSourceQuery is createSource with a field mapping query.
func (n *testNode) createSourceQuery(addrs []string, topic, coll, reset, query string) catalog.Collection {
	n.T.Helper()
	cat := n.Eng.Catalog()
	if _, err := cat.Integration("kafka1"); err != nil {
		if _, err := cat.CreateIntegration(catalog.Integration{Name: "kafka1", Kafka: &catalog.KafkaIntegration{BootstrapServers: strings.Join(addrs, ",")}}); err != nil {
			n.T.Fatal(err)
		}
	}
	return n.CreateCollection(coll, catalog.Source{
		IntegrationName: "kafka1", Kafka: &catalog.KafkaSource{TopicName: topic, OffsetResetPolicy: reset}, FormatParams: catalog.FormatParams{JSON: true},
	}, query)
}

// replaced returns how many documents the collection's source replaced
// since the node opened.
func (n *testNode) replaced(coll string) int64 { return n.Status(coll).Replaced }

// startCluster starts an in-process Kafka cluster with a topic of
// partitions and returns its addresses; the test's end stops it.
func startCluster(t *testing.T, partitions int32, topic string) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func newProducer(t *testing.T, addrs []string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produce(t *testing.T, cl *kgo.Client, topic string, p int32, values ...string) {
	t.Helper()
	if err := produceErr(cl, topic, p, values...); err != nil {
		t.Fatal(err)
	}
}

// produceErr is produce for goroutines other than the test's.
func produceErr(cl *kgo.Client, topic string, p int32, values ...string) error {
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: p, Value: []byte(v)}
	}
	return cl.ProduceSync(context.Background(), recs...).FirstErr()
}

// TestKafkaExactlyOnceAcrossRestarts produces to 8 partitions while the
// node is closed and reopened several times mid-stream, and checks that
// the collection ends with exactly the produced documents and sum: none
// lost, none counted twice (records without _id included, which get an
// _id derived from their position).
func TestKafkaExactlyOnceAcrossRestarts(t *testing.T) {
	const parts = 8
	addrs := startCluster(t, parts, "events")
	prod := newProducer(t, addrs)
	dir := t.TempDir()
	n := openNode(t, dir)
	n.createSource(addrs, "events", "events", "EARLIEST")
	// A rollup of the same topic: its folds are not idempotent, so a
	// record consumed twice would show as a count or sum too high.
	n.createSourceQuery(addrs, "events", "per_k", "EARLIEST", "SELECT k, COUNT(*) AS n, SUM(v) AS total FROM _input GROUP BY k")
	// Each round produces a burst and restarts the node a few
	// milliseconds later, while it is still consuming the burst. The
	// burst is produced in one call: produced batch by batch, it was
	// consumed as it went, and on a fast machine no restart came before
	// the consumer caught up.
	var wantDocs, wantSum, replaced int64
	rng := rand.New(rand.NewPCG(1, 2))
	seq, midStream := 0, 0
	for round := 0; round < 5; round++ {
		var burst []*kgo.Record
		for b := 0; b < 60; b++ {
			p := int32(rng.IntN(parts))
			var vals []string
			for i := 0; i < 1+rng.IntN(60); i++ {
				seq++
				v := rng.IntN(1000)
				if seq%3 == 0 {
					vals = append(vals, fmt.Sprintf(`{"v":%d,"seq":%d,"k":%d}`, v, seq, seq%5)) // derived _id
				} else {
					vals = append(vals, fmt.Sprintf(`{"_id":"d%d","v":%d,"k":%d}`, seq, v, seq%5))
				}
				wantDocs++
				wantSum += int64(v)
			}
			for _, v := range vals {
				burst = append(burst, &kgo.Record{Topic: "events", Partition: p, Value: []byte(v)})
			}
		}
		if err := prod.ProduceSync(context.Background(), burst...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		if d, _ := n.Count("events"); d < wantDocs {
			midStream++
		}
		replaced += n.replaced("events")
		n.Close()
		n = openNode(t, dir)
	}
	ingesttest.WaitFor(t, "every produced document", 30*time.Second, func() bool {
		d, _ := n.Count("events")
		return d >= wantDocs
	})
	time.Sleep(200 * time.Millisecond) // anything extra would show now
	docs, sum := n.Count("events")
	if docs != wantDocs || sum != wantSum {
		t.Fatalf("after restarts: %d docs, sum %d; produced %d docs, sum %d", docs, sum, wantDocs, wantSum)
	}
	// Every _id is produced once, so a record consumed twice would have
	// replaced its own document.
	if replaced += n.replaced("events"); replaced != 0 {
		t.Fatalf("%d documents were written twice", replaced)
	}
	ingesttest.WaitFor(t, "the rollup to count every record", 10*time.Second, func() bool {
		return ingesttest.RowsText(n.Query(`SELECT sum(n) FROM per_k`)) == fmt.Sprintf("%d\n", wantDocs)
	})
	raw := ingesttest.RowsText(n.Query(`SELECT k, count(*), sum(v) FROM events GROUP BY k ORDER BY k`))
	rolled := ingesttest.RowsText(n.Query(`SELECT k, n, total FROM per_k ORDER BY k`))
	if raw != rolled {
		t.Fatalf("rollup differs from the raw GROUP BY:\n%s\nraw:\n%s", rolled, raw)
	}
	t.Logf("%d of 5 restarts happened mid-stream", midStream)
	if midStream == 0 {
		t.Fatal("no restart happened mid-stream; the test proves nothing")
	}
	col, _ := n.Eng.Catalog().Collection("commons", "events")
	ingesttest.WaitFor(t, "watching state with zero lag", 10*time.Second, func() bool {
		st, ok := n.Mgr.Status(col.Sources[0].ID)
		if !ok || st.State != ingest.StateWatching || len(st.Partitions) != parts {
			return false
		}
		for _, p := range st.Partitions {
			if p.Lag != 0 {
				return false
			}
		}
		return true
	})
	n.Close()
}
