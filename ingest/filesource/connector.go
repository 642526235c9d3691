package filesource

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/ingest/file"
	"github.com/basaltdb/basalt/types"
)

// Done is the checkpoint of an object read to the end: resuming "after"
// it skips the whole object.
const Done = math.MaxInt64

// Options tune the connector; zero fields take defaults.
type Options struct {
	// Interval is how often the objects are listed again once every listed
	// one is loaded.
	Interval time.Duration
	// BatchDocs and BatchBytes bound a batch: the documents (and their
	// JSON bytes) committed with one position.
	BatchDocs, BatchBytes int
	// ObjectAttempts is how many times in a row an object may stop early
	// at the same place (a broken gzip stream, JSON whose next document
	// cannot be found) before the rest of it is given up and the error
	// kept in _meta.bad. A failure elsewhere in the object (a connection
	// cut while reading) starts the count again.
	ObjectAttempts int
	// staleDeletes bounds the deletes of a rewritten object's earlier
	// documents committed with its first batch (default maxStaleDeletes;
	// tests lower it).
	staleDeletes int
}

func (o *Options) ensureDefaults() {
	if o.Interval == 0 {
		o.Interval = 10 * time.Second
	}
	if o.BatchDocs == 0 {
		o.BatchDocs = 1000
	}
	if o.BatchBytes == 0 {
		o.BatchBytes = 4 << 20
	}
	if o.ObjectAttempts == 0 {
		o.ObjectAttempts = 3
	}
	if o.staleDeletes == 0 {
		o.staleDeletes = maxStaleDeletes
	}
}

// Connector returns the ingest connector for S3 and file sources
// (register it under catalog.KindS3 and catalog.KindFile).
func Connector(opts Options) ingest.Connector {
	opts.ensureDefaults()
	f := &failures{m: map[string]failure{}}
	return func(ctx context.Context, j *ingest.Job) error {
		l, err := newLoader(j, opts, f)
		if err != nil {
			return err
		}
		return l.run(ctx)
	}
}

// failures remembers, across restarts of a source, where each object last
// stopped early.
type failures struct {
	mu sync.Mutex
	m  map[string]failure // source id + object → last failure
}

type failure struct {
	offset int64
	msg    string
	n      int
}

// note counts a failure of an object at offset and returns how many times
// in a row it failed there.
func (f *failures) note(key string, offset int64, msg string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.m[key]
	if prev.offset != offset || prev.msg != msg {
		prev = failure{offset: offset, msg: msg}
	}
	prev.n++
	f.m[key] = prev
	return prev.n
}

func (f *failures) clear(key string) {
	f.mu.Lock()
	delete(f.m, key)
	f.mu.Unlock()
}

// loader is one running source.
type loader struct {
	j        *ingest.Job
	opts     Options
	failures *failures
	cfg      file.Config
	location string
	// keep filters the listed objects (an S3 prefix is a plain string
	// prefix of the key, not a directory).
	keep func(name string) bool
	// where names what is listed, for messages.
	where string
	// decs holds the decoders of allDecs not in use by a batch. A load
	// that stops early leaves some in its batches: the next load puts them
	// all back (none is in use between loads).
	decs    chan *types.Decoder
	allDecs []*types.Decoder

	pos map[string]int64 // object (and versionKey(object)) → committed checkpoint
	// rewritten holds the objects whose listed version is not the one
	// their checkpoint was read from: they are read again from the start.
	rewritten map[string]bool
}

// versionPrefix starts the name of the checkpoint that keeps which version
// of an object (file.Object.Version, hashed) its position belongs to. No
// object name starts so: they are s3:// URLs and absolute paths.
const versionPrefix = "version "

func versionKey(object string) string { return versionPrefix + object }

// versionOf is the checkpoint value of an object's version, and false when
// the listing does not tell versions apart.
func versionOf(o file.Object) (int64, bool) {
	if o.Version == "" {
		return 0, false
	}
	h := fnv.New64a()
	h.Write([]byte(o.Version))
	return int64(h.Sum64()), true
}

// maxStaleDeletes bounds the deletes of a rewritten object's earlier
// documents committed in one write: those beyond it are deleted ahead of
// the object's first batch, in writes of their own.
const maxStaleDeletes = 10000

func newLoader(j *ingest.Job, opts Options, f *failures) (*loader, error) {
	l := &loader{j: j, opts: opts, failures: f, decs: make(chan *types.Decoder, decoders), keep: func(string) bool { return true }, rewritten: map[string]bool{}}
	switch {
	case j.Source.S3 != nil:
		in := j.Integration.S3
		if in == nil {
			return nil, fmt.Errorf("source %s: integration %q is not an S3 integration", j.Source.ID, j.Integration.Name)
		}
		s := j.Source.S3
		l.cfg.S3 = file.S3Config{Endpoint: in.Endpoint, Region: in.Region, Insecure: in.Insecure}
		if s.Region != "" {
			l.cfg.S3.Region = s.Region
		}
		if k := in.AccessKey; k != nil {
			l.cfg.S3.AccessKey, l.cfg.S3.SecretKey = k.ID, k.Secret
		}
		base := "s3://" + s.Bucket + "/"
		if s.Pattern != "" {
			l.location = base + s.Pattern
		} else {
			// List the prefix's "directory" and keep the keys that
			// start with the prefix.
			l.location = base + s.Prefix[:strings.LastIndex(s.Prefix, "/")+1]
		}
		if s.Prefix != "" {
			want := base + s.Prefix
			l.keep = func(name string) bool { return strings.HasPrefix(name, want) }
		}
		l.where = base + s.Prefix
		if s.Pattern != "" {
			l.where = l.location
		}
		if ep := in.Endpoint; ep != "" {
			l.where += " at " + ep
		}
	case j.Source.File != nil:
		l.location = j.Source.File.Path
		l.where = l.location
	default:
		return nil, fmt.Errorf("source %s is not an S3 or file source", j.Source.ID)
	}
	for range decoders {
		l.allDecs = append(l.allDecs, j.Decoder())
	}
	return l, nil
}

// run loads every listed object, then lists again every Interval, until
// ctx ends.
func (l *loader) run(ctx context.Context) error {
	pos, err := l.j.Positions()
	if err != nil {
		return err
	}
	l.pos = pos
	for {
		objs, err := l.list(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			l.j.SetState(ingest.StateError, err.Error())
			return err
		}
		pending, adopt := l.pending(objs)
		if len(adopt) > 0 {
			if err := l.j.Write(ctx, nil, adopt); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			for _, p := range adopt {
				l.pos[p.Name] = p.Offset
			}
		}
		l.progress(objs, "", 0)
		if len(pending) > 0 {
			l.j.SetState(ingest.StateProcessing, "")
		}
		for _, o := range pending {
			if err := l.load(ctx, o, objs); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		l.progress(objs, "", 0)
		l.j.SetState(ingest.StateWatching, "")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(l.opts.Interval):
		}
	}
}

// pending returns the listed objects to read: those not read to the end,
// and those rewritten since (a version other than the one their checkpoint
// was read from; they are marked in l.rewritten, and read from their
// start). It also returns the versions to record for objects read to the
// end before versions were kept: their version as listed now is taken for
// the one read, rather than reading every object again after an upgrade.
func (l *loader) pending(objs []file.Object) (pending []file.Object, adopt []ingest.Position) {
	for _, o := range objs {
		off, started := l.pos[o.Name]
		ver, known := versionOf(o)
		stored, kept := l.pos[versionKey(o.Name)]
		switch {
		case started && known && kept && stored != ver:
			if !l.rewritten[o.Name] {
				l.j.Log.Info("object rewritten since it was read; reading it again", "object", o.Name, "version", o.Version)
			}
			l.rewritten[o.Name] = true
			delete(l.pos, o.Name)
			pending = append(pending, o)
		case started && known && !kept && off == Done:
			adopt = append(adopt, ingest.Position{Name: versionKey(o.Name), Offset: ver})
		case off != Done:
			pending = append(pending, o)
		}
	}
	return pending, adopt
}

// listTimeout bounds one listing, so an endpoint that does not answer
// turns into an error state rather than a hang.
const listTimeout = 30 * time.Second

// list returns the objects of the source, in name order. No object at all
// is not an error: the source waits for some.
func (l *loader) list(ctx context.Context) ([]file.Object, error) {
	lctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	objs, err := file.List(lctx, l.cfg, l.location)
	if errors.Is(err, file.ErrNoMatch) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", l.where, err)
	}
	out := objs[:0]
	for _, o := range objs {
		if l.keep(o.Name) {
			out = append(out, o)
		}
	}
	return out, nil
}

// progress publishes bytes and objects done, with cur's bytes read so far
// when one is being read.
func (l *loader) progress(objs []file.Object, cur string, curRead int64) {
	var read, total, done int64
	for _, o := range objs {
		size := max(o.Size, 0)
		total += size
		switch {
		case o.Name == cur:
			read += min(curRead, size)
		case l.pos[o.Name] == Done:
			read += size
			done++
		}
	}
	l.j.SetProgress(read, total, done, int64(len(objs)))
}

// formatFor is the ingest/file format of an object under the source's
// format_params: "" chooses by the object's extension (then its first
// bytes).
func (l *loader) formatFor(name string) string {
	fp := l.j.Source.FormatParams
	switch {
	case fp.CSV != nil:
		return "csv"
	case fp.Parquet:
		return "parquet"
	case fp.JSON:
		if path.Ext(strings.TrimSuffix(strings.ToLower(name), ".gz")) == ".json" {
			return "json" // an array of documents, or documents one after another
		}
		return "ndjson"
	}
	return ""
}

// batch is the records read since the last commit, decoded by dec. Its
// documents' strings point into arena, which is never reused: the engine
// may keep them. The values are dec's, valid until the batch is recycled.
type batch struct {
	recs  []ingest.Record
	arena []byte
	// docs are the records still to decode, from arena, which the reader
	// leaves to a decoding worker; ready is closed once they are decoded
	// and the batch is prepared.
	docs  []pendingDoc
	ready chan struct{}
	// staleIDs are the documents the batch deletes first (stale); non-nil
	// for the object's first batch when it was rewritten.
	staleIDs []string
	// idPrefix is the object's file.IDPrefix.
	idPrefix string
	last     int64 // offset of the last record read from the object so far (-1: none)
	n        int   // bytes of the records
	read     int64 // bytes of the object read when the batch was cut
	dec      *types.Decoder
	// write is the batch's records prepared for their commit (with the
	// deletes of a rewritten object's earlier documents when stale), or
	// the error that preparing them met.
	write    *ingest.PreparedWrite
	writeErr error
	// pending is the batch's queued commit, of the object's offset
	// offset; queued says the committer has it (and recycles it).
	pending *ingest.PendingCommit
	offset  int64
	queued  bool
	// end is what ended the object after this batch's records: io.EOF,
	// a *file.ObjectError, or an error that stops the load; nil when more
	// batches follow.
	end error
}

// pendingDoc is a document of a batch to decode: its record, and its text
// at arena[start:end].
type pendingDoc struct {
	rec        int
	start, end int
	pos        file.Position
}

// load reads one object from its checkpoint to its end, committing a batch
// at a time, in order. A goroutine reads the object and cuts batches, two
// more decode and prepare them, and the caller commits each as soon as
// it and those before it are ready: one after the other, with the object's
// text checked and then decoded again, a 1 GiB NDJSON file loaded at 14,700
// docs/s with 1.3 of two cores busy, where the write API took 40,000; with
// one goroutine decoding, decoding was the slowest stage.
func (l *loader) load(ctx context.Context, o file.Object, objs []file.Object) error {
	cfg := l.cfg
	cfg.Format = l.formatFor(o.Name)
	// Every NDJSON line is decoded below, which checks its syntax.
	cfg.NoSyntaxCheck = true
	if off, ok := l.pos[o.Name]; ok {
		cfg.After = &file.Position{Object: o.Name, Offset: off}
	}
	it, err := file.NewIterator(cfg, []file.Object{o})
	if err != nil {
		return err
	}
	defer it.Close()
	failKey := l.j.Source.ID + "\x00" + o.Name
	// Every commit records the version read along with the position.
	pos := []ingest.Position{{Name: o.Name}}
	if ver, ok := versionOf(o); ok {
		pos = append(pos, ingest.Position{Name: versionKey(o.Name), Offset: ver})
	}
	// A rewritten object replaces the documents its earlier version left
	// (by their derived _ids): deleted with its first batch, atomically
	// with it and with the position that says the new version is being
	// read. Until then a restart sees the old version's checkpoint and
	// starts over, so deleting ahead is safe.
	var stale []string
	if l.rewritten[o.Name] {
		ids, err := l.j.DerivedIDs(file.IDPrefix(o.Name) + "-")
		if err != nil {
			return err
		}
		for n := l.opts.staleDeletes; len(ids) > n; ids = ids[n:] {
			if err := l.j.WriteReplacing(ctx, ids[:n], nil, nil); err != nil {
				return err
			}
		}
		stale = ids
	}
	c := &committer{l: l, ctx: ctx, object: o.Name, objs: objs, pos: pos}
	// Whatever ends the load, no commit is left in flight with a batch's
	// decoder: the next load resets them all.
	defer c.drain()
	for len(l.decs) > 0 {
		<-l.decs
	}
	for _, d := range l.allDecs {
		d.Reset()
		l.decs <- d
	}
	rctx, cancel := context.WithCancel(ctx)
	ordered := make(chan *batch, decoders)
	work := make(chan *batch, decodeWorkers)
	var workers sync.WaitGroup
	for range decodeWorkers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for b := range work {
				l.decodeBatch(rctx, b)
			}
		}()
	}
	go l.read(rctx, it, o.Name, stale, ordered, work)
	defer func() {
		// Stop the reader and the workers before the iterator closes.
		cancel()
		for range ordered {
		}
		workers.Wait()
	}()
	for b := range ordered {
		<-b.ready
		done, err := l.apply(b, c, failKey, o.Name)
		if !b.queued {
			l.recycle(b)
		}
		if err != nil || done {
			return err
		}
	}
	return ctx.Err()
}

// committer commits the batches of one object in order, queueing the next
// one while the last one commits: one commit at a time left the
// collection's committer idle between them.
type committer struct {
	l      *loader
	ctx    context.Context
	object string
	objs   []file.Object
	pos    []ingest.Position // the checkpoints of a commit; pos[0] the object's offset
	queue  []*batch          // queued, not yet waited for, oldest first
}

// maxQueued is how many commits of one object may be in flight.
const maxQueued = 2

// commit queues b with the object's offset, waiting first for the oldest
// commit if maxQueued are in flight.
func (c *committer) commit(b *batch, offset int64) error {
	if len(b.recs) == 0 && offset == b.last && offset != Done && b.staleIDs == nil {
		return nil
	}
	w, err := b.write, b.writeErr
	if w == nil && err == nil {
		w, err = c.l.j.Prepare(c.ctx, nil, b.recs)
	}
	if err != nil {
		return err
	}
	if len(c.queue) == maxQueued {
		if err := c.waitOldest(); err != nil {
			return err
		}
	}
	c.pos[0].Offset = offset
	var after *ingest.PendingCommit
	if n := len(c.queue); n > 0 {
		after = c.queue[n-1].pending
	}
	if b.pending, err = c.l.j.Submit(c.ctx, w, c.pos, after); err != nil {
		return err
	}
	b.offset, b.queued = offset, true
	c.queue = append(c.queue, b)
	return nil
}

// waitOldest waits for the oldest queued commit and records its position.
func (c *committer) waitOldest() error {
	b := c.queue[0]
	c.queue = c.queue[1:]
	err := b.pending.Wait(c.ctx)
	c.l.recycle(b)
	if err != nil {
		return err
	}
	delete(c.l.rewritten, c.object)
	c.l.pos[c.object] = b.offset
	for _, p := range c.pos[1:] {
		c.l.pos[p.Name] = p.Offset
	}
	c.l.progress(c.objs, c.object, b.read)
	return nil
}

// commitLast commits b as the object's end (Done) and waits for every
// queued commit.
func (c *committer) commitLast(b *batch) error {
	if err := c.commit(b, Done); err != nil {
		return err
	}
	return c.flush()
}

// flush waits for every queued commit; the first error is returned.
func (c *committer) flush() error {
	var first error
	for len(c.queue) > 0 {
		if err := c.waitOldest(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// drain is flush for a load that ends: errors were returned already, or
// are the next load's to meet.
func (c *committer) drain() { _ = c.flush() }

// apply commits a batch the reader cut, and what ended the object after
// it; done is true once the object is finished, and its commits too.
func (l *loader) apply(b *batch, c *committer, failKey, object string) (done bool, err error) {
	var oe *file.ObjectError
	switch {
	case b.end == nil:
		return false, c.commit(b, b.last)
	case b.end == io.EOF:
		if err := c.commitLast(b); err != nil {
			return true, err
		}
		l.failures.clear(failKey)
		return true, nil
	case errors.As(b.end, &oe):
		// Keep what was read before the object stopped.
		if b.last >= 0 {
			if err := c.commit(b, b.last); err != nil {
				return true, err
			}
		}
		if err := c.flush(); err != nil {
			return true, err
		}
		if n := l.failures.note(failKey, oe.Pos.Offset, oe.Err.Error()); n < l.opts.ObjectAttempts {
			return true, fmt.Errorf("read %s (attempt %d of %d): %w", object, n, l.opts.ObjectAttempts, oe)
		}
		l.j.Log.Warn("object stopped early; the rest of it is given up", "object", object, "err", oe)
		rest := &batch{last: b.last, read: b.read, recs: []ingest.Record{{Err: fmt.Errorf("the rest of the object is given up: %w", oe), Position: file.IDPrefix(object) + "-stopped", Where: object}}}
		if err := c.commitLast(rest); err != nil {
			return true, err
		}
		l.failures.clear(failKey)
		return true, nil
	}
	return true, b.end
}

// decodeWorkers is how many goroutines decode and prepare batches.
const decodeWorkers = 2

// read cuts the object's records into batches and hands each to the
// decoding workers and, in order, to the committer, the last one with what
// ended the object, until ctx ends. The first batch also deletes the
// documents stale.
func (l *loader) read(ctx context.Context, it *file.Iterator, object string, stale []string, ordered, work chan<- *batch) {
	idPrefix := file.IDPrefix(object)
	defer close(ordered)
	defer close(work)
	b := l.newBatch(ctx, -1, 0, 0)
	if b == nil {
		return
	}
	send := func() bool {
		b.read, _ = it.Progress()
		b.staleIDs, stale = stale, nil
		b.idPrefix = idPrefix
		b.ready = make(chan struct{})
		// To the workers first: the committer waits for what it takes.
		select {
		case work <- b:
		case <-ctx.Done():
			return false
		}
		select {
		case ordered <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		d, err := it.Next(ctx)
		var de *file.DocError
		switch {
		case err == nil:
			start := len(b.arena)
			b.arena = append(b.arena, d.Data...)
			b.docs = append(b.docs, pendingDoc{rec: len(b.recs), start: start, end: len(b.arena), pos: d.Pos})
			b.recs = append(b.recs, ingest.Record{})
			b.last, b.n = d.Pos.Offset, b.n+len(d.Data)
		case errors.As(err, &de):
			b.recs = append(b.recs, ingest.Record{Err: de, Raw: de.Raw, Position: file.DerivedID(de.Pos), Where: de.Pos.String()})
			b.last = de.Pos.Offset
		default:
			b.end = err
			send()
			return
		}
		if len(b.recs) >= l.opts.BatchDocs || b.n >= l.opts.BatchBytes {
			if !send() {
				return
			}
			if b = l.newBatch(ctx, b.last, len(b.arena), len(b.recs)); b == nil {
				return
			}
		}
	}
}

// decodeBatch decodes a batch's documents and prepares its write: each
// record as soon as it is decoded, unless a field mapping query makes the
// batch whole.
func (l *loader) decodeBatch(ctx context.Context, b *batch) {
	defer close(b.ready)
	p, err := l.j.NewPreparer(b.staleIDs)
	if err != nil {
		b.writeErr = err
		return
	}
	if p == nil {
		for _, d := range b.docs {
			b.recs[d.rec] = decodeRecord(b.dec, b.arena[d.start:d.end], d.pos, b.idPrefix)
		}
		b.write, b.writeErr = l.j.Prepare(ctx, b.staleIDs, b.recs)
		return
	}
	docs := b.docs
	for i := range b.recs {
		if len(docs) > 0 && docs[0].rec == i {
			d := docs[0]
			docs = docs[1:]
			b.recs[i] = decodeRecord(b.dec, b.arena[d.start:d.end], d.pos, b.idPrefix)
		}
		p.Add(i, &b.recs[i])
	}
	b.write = p.Done(b.recs)
}

// decodeRecord decodes one document of an object, whose file.IDPrefix is
// idPrefix (a SHA-256 of its name, once per object rather than per
// document). The iterator passes NDJSON lines on unchecked: a line the
// decoder finds broken is worded as the iterator's check words it.
func decodeRecord(dec *types.Decoder, data []byte, p file.Position, idPrefix string) ingest.Record {
	rec := ingest.Record{Position: string(file.AppendDerivedID(nil, idPrefix, p.Offset)), Where: p.String()}
	v, err := dec.Decode(data)
	switch {
	case err == nil:
		rec.Doc = v
	case types.IsSyntaxError(err):
		msg := file.CheckDoc(data)
		if msg == "" {
			msg = "invalid JSON: " + err.Error()
		}
		rec.Err, rec.Raw = &file.DocError{Pos: p, Msg: msg}, data
	default:
		rec.Err, rec.Raw = fmt.Errorf("%s: %w", p, err), data
	}
	return rec
}

// decoders is how many batches may hold decoded documents at once: one
// being read, one per decoding worker, and those queued for their commit. The reader takes a
// batch's decoder, in the batches' order, so the oldest batch always has
// one.
const decoders = decodeWorkers + maxQueued + 1

// newBatch returns an empty batch with a decoder of its own, or nil when
// ctx ends first. Its arena and records are sized for a batch like the
// last one (bytes, recs): grown by doubling they were half the memory a
// load allocated, and the collector's work.
func (l *loader) newBatch(ctx context.Context, last int64, bytes, recs int) *batch {
	select {
	case dec := <-l.decs:
		b := &batch{last: last, dec: dec}
		if bytes > 0 {
			b.arena = make([]byte, 0, bytes+bytes/8)
			b.recs = make([]ingest.Record, 0, recs+recs/8)
			b.docs = make([]pendingDoc, 0, recs+recs/8)
		}
		return b
	case <-ctx.Done():
		return nil
	}
}

// recycle gives a committed batch's decoder back, its memory for reuse.
func (l *loader) recycle(b *batch) {
	if b.dec != nil {
		b.dec.Reset()
		l.decs <- b.dec
		b.dec = nil
	}
}
