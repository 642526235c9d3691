package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// Options tune the connector; zero fields take defaults.
type Options struct {
	// FetchMaxBytes bounds what is fetched ahead of the commit: the memory
	// a slow collection lets a fast topic use.
	FetchMaxBytes int32
	// InFlightBytes bounds the records of a source polled and not yet
	// committed (see byteBudget).
	InFlightBytes int64
	// LagInterval is how often partition ends are listed (lag, new
	// partitions, a deleted topic, an unreachable cluster).
	LagInterval time.Duration
}

func (o *Options) ensureDefaults() {
	if o.FetchMaxBytes == 0 {
		o.FetchMaxBytes = 16 << 20
	}
	if o.InFlightBytes == 0 {
		// Two merged commits of 2 MiB for each of 8 partitions: decoded
		// documents in flight are pointers the collector scans at every
		// cycle (64 MiB: 9.7% of the CPU in the collector, 32: 6.5%).
		o.InFlightBytes = 32 << 20
	}
	if o.LagInterval == 0 {
		o.LagInterval = time.Second
	}
}

// Connector returns the ingest connector for Kafka integrations.
func Connector(opts Options) ingest.Connector {
	opts.ensureDefaults()
	return func(ctx context.Context, j *ingest.Job) error {
		return run(ctx, j, opts)
	}
}

// consumer is one running source.
type consumer struct {
	j      *ingest.Job
	opts   Options
	topic  string
	cl     *kgo.Client
	adm    *kadm.Client
	decode decodeFunc
	budget *byteBudget
	// decoders are lent to the partition workers (decoders.go).
	decoders *decoderPool
	// inflight counts the records handed to partition workers and not
	// committed (or dropped) yet, as Status.InFlightBytes and
	// InFlightRecords show them: the real bytes, where the budget counts
	// at most its total for one batch.
	inflightMu      sync.Mutex
	inflightBytes   int64
	inflightRecords int64

	mu        sync.Mutex
	topicID   kadm.TopicID    // the topic's id when first seen
	recreated bool            // the topic was deleted and created again
	next      map[int32]int64 // partition → next offset to read (committed)
	ends      map[int32]int64 // partition → last listed end
	reachErr  string          // why the last look at the cluster failed
}

func run(ctx context.Context, j *ingest.Job, opts Options) error {
	k := j.Integration.Kafka
	if k == nil || j.Source.Kafka == nil {
		return fmt.Errorf("source %s is not a Kafka source", j.Source.ID)
	}
	kopts := []kgo.Opt{
		kgo.SeedBrokers(splitServers(k.BootstrapServers)...),
		kgo.ClientID("basalt"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxBytes(opts.FetchMaxBytes),
		// 1 MiB a partition: see maxMergeBytes.
		kgo.FetchMaxPartitionBytes(min(opts.FetchMaxBytes, 1<<20)),
		kgo.FetchMaxWait(500 * time.Millisecond),
		kgo.DialTimeout(5 * time.Second),
		kgo.RetryTimeout(10 * time.Second),
		kgo.MetadataMinAge(time.Second),
		// A position past the end (the topic was recreated, or records
		// expired) restarts the partition at its first record.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}
	if sc := k.SecurityConfig; sc != nil && sc.APIKey != "" {
		kopts = append(kopts, kgo.SASL(plain.Auth{User: sc.APIKey, Pass: sc.Secret}.AsMechanism()))
	}
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return fmt.Errorf("kafka client for %s: %w", k.BootstrapServers, err)
	}
	defer cl.Close()
	// Lag, partition and topic checks go through a client of their own:
	// their metadata requests on the consuming client made its fetches
	// stall (data latency p95 155 ms → 71 ms at 3,000 docs/s without them).
	admOpts := kopts[:0:0]
	admOpts = append(admOpts, kgo.SeedBrokers(splitServers(k.BootstrapServers)...), kgo.ClientID("basalt-admin"),
		kgo.DialTimeout(5*time.Second), kgo.RetryTimeout(10*time.Second))
	if sc := k.SecurityConfig; sc != nil && sc.APIKey != "" {
		admOpts = append(admOpts, kgo.SASL(plain.Auth{User: sc.APIKey, Pass: sc.Secret}.AsMechanism()))
	}
	admCl, err := kgo.NewClient(admOpts...)
	if err != nil {
		return fmt.Errorf("kafka client for %s: %w", k.BootstrapServers, err)
	}
	defer admCl.Close()
	dec, err := newDecoder(j)
	if err != nil {
		return err
	}
	c := &consumer{
		j: j, opts: opts, topic: j.Source.Kafka.TopicName, cl: cl, adm: kadm.NewClient(admCl), decode: dec,
		budget: newByteBudget(opts.InFlightBytes), decoders: newDecoderPool(j.Decoder, 2*max(2, runtime.GOMAXPROCS(0))),
		next: map[int32]int64{}, ends: map[int32]int64{},
	}
	if err := c.assign(ctx); err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.watch(watchCtx)
	}()
	defer func() {
		stopWatch()
		wg.Wait()
	}()
	return c.consume(ctx)
}

func splitServers(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// assign lists the topic's partitions and starts consuming each from its
// committed position. Partitions without one start at the policy's end; for
// LATEST that end is committed first, so a restart before the first record
// does not skip what arrived in between.
func (c *consumer) assign(ctx context.Context) error {
	pos, err := c.j.Positions()
	if err != nil {
		return err
	}
	ends, err := c.listEnds(ctx)
	if err != nil {
		return err
	}
	add := map[int32]kgo.Offset{}
	var fresh []ingest.Position
	c.mu.Lock()
	write, recreated := c.checkStoredTopicID(pos)
	latest := strings.EqualFold(c.j.Source.Kafka.OffsetResetPolicy, "LATEST")
	for p, end := range ends {
		if _, ok := c.next[p]; ok {
			continue
		}
		off, ok := pos[strconv.Itoa(int(p))]
		if !ok || recreated {
			off = 0
			if latest && !recreated {
				off = end
			}
			fresh = append(fresh, ingest.Position{Name: strconv.Itoa(int(p)), Offset: off})
		}
		c.next[p] = off
		add[p] = kgo.NewOffset().At(off)
	}
	c.mu.Unlock()
	if latest || recreated {
		write = append(write, fresh...)
	}
	if len(write) > 0 {
		if err := c.j.Write(ctx, nil, write); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		c.cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{c.topic: add})
		c.j.Log.Info("consuming kafka partitions", "topic", c.topic, "added", len(add))
	}
	c.updateLag()
	return nil
}

// The topic's id is kept with the positions (two halves, as positions are
// int64), so a topic deleted and recreated while Basalt was down is noticed
// at start: its offsets start over, and the stored positions mean nothing.
const (
	topicIDHi = "topic-id-hi"
	topicIDLo = "topic-id-lo"
)

// checkStoredTopicID compares the topic's id with the stored one on the
// first assignment. It returns the positions to store (the id, when it is
// not stored yet or changed) and whether the topic was recreated. c.mu held.
func (c *consumer) checkStoredTopicID(pos map[string]int64) ([]ingest.Position, bool) {
	if len(c.next) > 0 || c.topicID == (kadm.TopicID{}) {
		return nil, false
	}
	hi := int64(binary.BigEndian.Uint64(c.topicID[:8]))
	lo := int64(binary.BigEndian.Uint64(c.topicID[8:]))
	ids := []ingest.Position{{Name: topicIDHi, Offset: hi}, {Name: topicIDLo, Offset: lo}}
	sh, okh := pos[topicIDHi]
	sl, okl := pos[topicIDLo]
	switch {
	case !okh || !okl:
		return ids, false
	case sh != hi || sl != lo:
		c.j.Log.Warn("kafka topic was recreated while the source was stopped; consuming it from its start", "topic", c.topic)
		return ids, true
	}
	return nil, false
}

// listEnds returns the end (last stable) offset of every partition of the
// topic; a missing topic or an unreachable cluster is an error that names
// it, and sets the source's state.
func (c *consumer) listEnds(ctx context.Context) (map[int32]int64, error) {
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.checkTopicID(lctx); err != nil {
		return nil, c.fail(ctx, err)
	}
	listed, err := c.adm.ListCommittedOffsets(lctx, c.topic)
	if err == nil {
		if _, ok := listed.Lookup(c.topic, -1); ok || len(listed[c.topic]) == 0 {
			err = fmt.Errorf("topic %q does not exist in Kafka cluster %s", c.topic, c.j.Integration.Kafka.BootstrapServers)
		}
	}
	if err == nil {
		err = listed.Error()
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			err = fmt.Errorf("topic %q does not exist in Kafka cluster %s", c.topic, c.j.Integration.Kafka.BootstrapServers)
		}
	}
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	ends := map[int32]int64{}
	for p, lo := range listed[c.topic] {
		ends[p] = lo.Offset
	}
	c.mu.Lock()
	wasErr := c.reachErr != ""
	c.reachErr = ""
	for p, e := range ends {
		c.ends[p] = e
	}
	c.mu.Unlock()
	if wasErr {
		c.j.Log.Info("kafka topic reachable again", "topic", c.topic)
	}
	return ends, nil
}

// fail records why the cluster or topic could not be read.
func (c *consumer) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !strings.Contains(err.Error(), "does not exist") {
		err = fmt.Errorf("cannot reach Kafka cluster %s: %w", c.j.Integration.Kafka.BootstrapServers, err)
	}
	c.mu.Lock()
	c.reachErr = err.Error()
	c.mu.Unlock()
	c.j.SetState(ingest.StateError, err.Error())
	return err
}

// checkTopicID notices a topic that was deleted and created again under the
// same name: its offsets start over, so the committed positions mean
// nothing in it.
func (c *consumer) checkTopicID(ctx context.Context) error {
	details, err := c.adm.ListTopics(ctx, c.topic)
	if err != nil {
		return err
	}
	d, ok := details[c.topic]
	if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
		return fmt.Errorf("topic %q does not exist in Kafka cluster %s", c.topic, c.j.Integration.Kafka.BootstrapServers)
	}
	if d.Err != nil {
		return d.Err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.topicID == kadm.TopicID{}:
		c.topicID = d.ID
	case d.ID != c.topicID && d.ID != kadm.TopicID{}:
		c.recreated = true
	}
	return nil
}

// errRecreated restarts the connector on a recreated topic.
var errRecreated = errors.New("the topic was deleted and created again; consuming it from its start")

// restartRecreated moves every partition back to the new topic's start.
func (c *consumer) restartRecreated(ctx context.Context) error {
	c.mu.Lock()
	pos := make([]ingest.Position, 0, len(c.next))
	for p := range c.next {
		pos = append(pos, ingest.Position{Name: strconv.Itoa(int(p)), Offset: 0})
	}
	c.mu.Unlock()
	c.j.Log.Warn("kafka topic was recreated; starting over at its first record", "topic", c.topic)
	if err := c.j.Write(ctx, nil, pos); err != nil {
		return err
	}
	return errRecreated
}

// watch lists partition ends periodically: lag, new partitions, and the
// state when the topic or the cluster goes away and comes back.
func (c *consumer) watch(ctx context.Context) {
	t := time.NewTicker(c.opts.LagInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ends, err := c.listEnds(ctx)
		if err != nil {
			continue
		}
		c.mu.Lock()
		newParts := false
		for p := range ends {
			if _, ok := c.next[p]; !ok {
				newParts = true
			}
		}
		c.mu.Unlock()
		if newParts {
			if err := c.assign(ctx); err != nil {
				continue
			}
		}
		c.updateLag()
	}
}

// updateLag publishes each partition's lag and the state it implies.
func (c *consumer) updateLag() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reachErr != "" {
		return
	}
	behind := false
	for p, off := range c.next {
		end, ok := c.ends[p]
		if !ok {
			continue
		}
		if end > off {
			behind = true
		}
		c.j.SetLag(p, off, end)
	}
	if behind {
		c.j.SetState(ingest.StateProcessing, "")
	} else {
		c.j.SetState(ingest.StateWatching, "")
	}
}

// consume polls and hands each partition's records to that partition's
// worker, which decodes and commits them in order. The poll loop does not
// wait for the commit: partition workers decode the next batch while the
// previous one commits, and their writes share group commits. A worker
// holds at most workerQueue batches, so a slow collection stops the polling
// and the backlog stays in Kafka.
func (c *consumer) consume(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	workers := map[int32]*partitionWorker{}
	var wg sync.WaitGroup
	stopWorkers := func() {
		for p, w := range workers {
			close(w.queue)
			delete(workers, p)
		}
		wg.Wait()
	}
	defer stopWorkers()
	for {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		fetches := c.cl.PollRecords(pctx, 0)
		pcancel()
		select {
		case err := <-errc:
			return err
		default:
		}
		if ctx.Err() != nil {
			return nil
		}
		c.mu.Lock()
		recreated := c.recreated
		c.mu.Unlock()
		if recreated {
			cancel()
			stopWorkers()
			return c.restartRecreated(context.WithoutCancel(ctx))
		}
		if fetches.IsClientClosed() {
			return errors.New("kafka client closed")
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return
			}
			c.j.Log.Warn("kafka fetch error", "topic", topic, "partition", p, "err", err)
			c.j.SetState(ingest.StateError, fmt.Sprintf("fetch from topic %q partition %d: %v", topic, p, err))
		})
		var stop error
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) == 0 || stop != nil {
				return
			}
			w := workers[fp.Partition]
			if w == nil {
				w = newPartitionWorker(c, fp.Partition)
				workers[fp.Partition] = w
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.run(ctx, errc)
				}()
			}
			size := recordBytes(fp.Records)
			taken, err := c.budget.acquire(ctx, size)
			if err != nil {
				stop = err
				return
			}
			n := int64(len(fp.Records))
			c.noteInFlight(size, n)
			select {
			case w.queue <- polledBatch{records: fp.Records, bytes: taken, size: size}:
			case err := <-errc:
				c.noteInFlight(-size, -n)
				c.budget.release(taken)
				stop = err
			case <-ctx.Done():
				c.noteInFlight(-size, -n)
				c.budget.release(taken)
				stop = ctx.Err()
			}
		})
		if errors.Is(stop, context.Canceled) {
			return nil
		}
		if stop != nil {
			return stop
		}
	}
}

// noteInFlight adds to the records handed to partition workers and not
// committed yet, and publishes the totals.
func (c *consumer) noteInFlight(bytes, records int64) {
	c.inflightMu.Lock()
	defer c.inflightMu.Unlock()
	c.inflightBytes += bytes
	c.inflightRecords += records
	c.j.SetInFlight(c.inflightBytes, c.inflightRecords)
}

// workerQueue is how many polled batches a partition worker may hold
// beyond the one it is committing.
const workerQueue = 2
