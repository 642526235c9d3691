package kafka

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func waitState(t *testing.T, n *testNode, col catalog.Collection, state, msgPart string) ingest.Status {
	t.Helper()
	var st ingest.Status
	ingesttest.WaitFor(t, fmt.Sprintf("state %s (%q)", state, msgPart), 20*time.Second, func() bool {
		st = n.Status(col.Name)
		return st.State == state && strings.Contains(st.Message, msgPart)
	})
	return st
}

// TestKafkaTopicDeletedAndRecreated: the source reports the missing topic
// by name and goes on when it is back.
func TestKafkaTopicDeletedAndRecreated(t *testing.T) {
	addrs := startCluster(t, 1, "t")
	prod := newProducer(t, addrs)
	n := openNode(t, t.TempDir())
	defer n.Close()
	col := n.createSource(addrs, "t", "t", "")
	produce(t, prod, "t", 0, `{"_id":"1","v":1}`)
	ingesttest.WaitFor(t, "first document", 10*time.Second, func() bool { d, _ := n.Count("t"); return d == 1 })

	adm := kadm.NewClient(prod)
	if _, err := adm.DeleteTopics(context.Background(), "t"); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, n, col, ingest.StateError, `topic "t" does not exist`)
	t.Logf("deleted topic: %s: %s", st.State, st.Message)

	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	// A new producer: the old one remembers the deleted topic's id.
	produce(t, newProducer(t, addrs), "t", 0, `{"_id":"2","v":2}`)
	ingesttest.WaitFor(t, "the document produced to the new topic", 20*time.Second, func() bool { d, _ := n.Count("t"); return d == 2 })
	waitState(t, n, col, ingest.StateWatching, "")
}

// TestKafkaBrokerUnreachable: the cluster goes away (the source says it
// cannot reach it) and comes back on the same address with its data; the
// source resumes where it committed.
func TestKafkaBrokerUnreachable(t *testing.T) {
	dataDir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	start := func() *kfake.Cluster {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dataDir), kfake.SeedTopics(2, "iot"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := start()
	addrs := []string{"127.0.0.1:" + strconv.Itoa(port)}
	n := openNode(t, t.TempDir())
	defer n.Close()
	col := n.createSource(addrs, "iot", "iot", "")
	produceTo := func(from, to int) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i := from; i < to; i++ {
			produce(t, cl, "iot", int32(i%2), fmt.Sprintf(`{"_id":"r%d","v":%d}`, i, i))
		}
	}
	produceTo(0, 10)
	ingesttest.WaitFor(t, "10 documents", 10*time.Second, func() bool { d, _ := n.Count("iot"); return d == 10 })

	c.Close()
	st := waitState(t, n, col, ingest.StateError, "cannot reach Kafka cluster")
	t.Logf("cluster down: %s: %s", st.State, st.Message)

	c = start()
	defer c.Close()
	produceTo(10, 20)
	ingesttest.WaitFor(t, "20 documents after the cluster returned", 30*time.Second, func() bool { d, sum := n.Count("iot"); return d == 20 && sum == 190 })
	waitState(t, n, col, ingest.StateWatching, "")
}

// TestKafkaTopicRecreatedWhileDown: the topic is deleted and created again
// while the node is closed, and the new topic holds more records than the
// old position; they are all consumed (the stored topic id differs), not
// the ones past the old offset only.
func TestKafkaTopicRecreatedWhileDown(t *testing.T) {
	addrs := startCluster(t, 1, "r")
	dir := t.TempDir()
	n := openNode(t, dir)
	n.createSource(addrs, "r", "r", "")
	produce(t, newProducer(t, addrs), "r", 0, `{"_id":"old1","v":1}`, `{"_id":"old2","v":2}`, `{"_id":"old3","v":3}`)
	ingesttest.WaitFor(t, "the first topic's documents", 10*time.Second, func() bool { d, _ := n.Count("r"); return d == 3 })
	n.Close()

	adm := kadm.NewClient(newProducer(t, addrs))
	if _, err := adm.DeleteTopics(context.Background(), "r"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "r"); err != nil {
		t.Fatal(err)
	}
	var vals []string
	for i := 0; i < 5; i++ {
		vals = append(vals, fmt.Sprintf(`{"_id":"new%d","v":%d}`, i, 10+i))
	}
	produce(t, newProducer(t, addrs), "r", 0, vals...)

	n = openNode(t, dir)
	defer n.Close()
	ingesttest.WaitFor(t, "all five documents of the recreated topic", 15*time.Second, func() bool { d, sum := n.Count("r"); return d == 8 && sum == 6+60 })
}
