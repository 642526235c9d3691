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
	dec   *types.Decoder

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
	l := &loader{j: j, opts: opts, failures: f, dec: j.Decoder(), keep: func(string) bool { return true }, rewritten: map[string]bool{}}
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

// batch is the records read since the last commit. Its documents' strings
// point into arena, which is never reused: the engine may keep them.
type batch struct {
	recs  []ingest.Record
	arena []byte
	last  int64 // offset of the last record
	n     int   // bytes of the records
}

// load reads one object from its checkpoint to its end, committing a batch
// at a time.
func (l *loader) load(ctx context.Context, o file.Object, objs []file.Object) error {
	cfg := l.cfg
	cfg.Format = l.formatFor(o.Name)
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
	b := &batch{last: -1}
	commit := func(offset int64) error {
		if len(b.recs) == 0 && offset == b.last && offset != Done && stale == nil {
			return nil
		}
		pos[0].Offset = offset
		if err := l.j.WriteReplacing(ctx, stale, b.recs, pos); err != nil {
			return err
		}
		stale = nil
		delete(l.rewritten, o.Name)
		for _, p := range pos {
			l.pos[p.Name] = p.Offset
		}
		read, _ := it.Progress()
		l.progress(objs, o.Name, read)
		*b = batch{last: b.last}
		return nil
	}
	for {
		d, err := it.Next(ctx)
		var de *file.DocError
		var oe *file.ObjectError
		switch {
		case err == nil:
			start := len(b.arena)
			b.arena = append(b.arena, d.Data...)
			data := b.arena[start:]
			rec := ingest.Record{Position: file.DerivedID(d.Pos), Where: d.Pos.String()}
			if v, derr := l.dec.Decode(data); derr != nil {
				rec.Err, rec.Raw = fmt.Errorf("%s: %w", d.Pos, derr), data
			} else {
				rec.Doc = v
			}
			b.recs = append(b.recs, rec)
			b.last, b.n = d.Pos.Offset, b.n+len(d.Data)
		case errors.As(err, &de):
			b.recs = append(b.recs, ingest.Record{Err: de, Raw: de.Raw, Position: file.DerivedID(de.Pos), Where: de.Pos.String()})
			b.last = de.Pos.Offset
		case errors.As(err, &oe):
			// Keep what was read before the object stopped.
			if b.last >= 0 {
				if err := commit(b.last); err != nil {
					return err
				}
			}
			if n := l.failures.note(failKey, oe.Pos.Offset, oe.Err.Error()); n < l.opts.ObjectAttempts {
				return fmt.Errorf("read %s (attempt %d of %d): %w", o.Name, n, l.opts.ObjectAttempts, oe)
			}
			l.j.Log.Warn("object stopped early; the rest of it is given up", "object", o.Name, "err", oe)
			b.recs = append(b.recs, ingest.Record{Err: fmt.Errorf("the rest of the object is given up: %w", oe), Position: file.IDPrefix(o.Name) + "-stopped", Where: o.Name})
			if err := commit(Done); err != nil {
				return err
			}
			l.failures.clear(failKey)
			return nil
		case err == io.EOF:
			if err := commit(Done); err != nil {
				return err
			}
			l.failures.clear(failKey)
			return nil
		default:
			return err
		}
		if len(b.recs) >= l.opts.BatchDocs || b.n >= l.opts.BatchBytes {
			if err := commit(b.last); err != nil {
				return err
			}
		}
	}
}
