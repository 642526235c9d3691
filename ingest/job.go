package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// Job is one running collection source, handed to its connector. Its
// methods are safe for concurrent use (a connector may write partitions in
// parallel).
type Job struct {
	Collection  catalog.Collection
	Source      catalog.Source
	Integration catalog.Integration
	Log         *slog.Logger

	m      *Manager
	status *statusBox

	// pendingSeq numbers the pending entries of records for _meta.bad
	// (bad.go).
	pendingSeq atomic.Uint64
	mu         sync.Mutex
	// flushed are pending entries whose records the error collection
	// holds: the next write deletes them.
	flushed []string
	keptLog keptLog
}

// ErrCollectionGone ends a job whose collection was dropped.
var ErrCollectionGone = errors.New("ingest: the collection was dropped")

// CheckpointPrefix is where the job's positions live among the
// collection's checkpoints.
func (j *Job) CheckpointPrefix() string { return j.Source.ID + "/" }

// Positions returns the committed position of each partition (or file, …)
// of the source, by the name the connector gave it.
func (j *Job) Positions() (map[string]int64, error) {
	raw, err := j.m.eng.Checkpoints(j.Collection.Workspace, j.Collection.Name, j.CheckpointPrefix())
	if err != nil {
		return nil, j.gone(err)
	}
	out := make(map[string]int64, len(raw))
	for k, v := range raw {
		if strings.HasPrefix(k[len(j.CheckpointPrefix()):], pendingName) {
			continue // records for _meta.bad, not a position
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("source %s: corrupt position %q of %s", j.Source.ID, v, k)
		}
		out[k[len(j.CheckpointPrefix()):]] = n
	}
	return out, nil
}

// Position is a connector's new position of one partition, committed with
// the documents of a Write.
type Position struct {
	Name   string // e.g. the partition number
	Offset int64  // the next record to read
}

// Write commits the documents of recs and the positions in one atomic
// batch: after a crash the source resumes from the positions, and the
// documents read before them are all there. The records that cannot be
// stored (they did not decode, or the transformation or the write refused
// their document) are kept in the error collection by a deterministic _id:
// they commit with the batch as a pending entry, written to _meta.bad
// once it committed, so a crash neither loses nor doubles them. Only a
// failure of the whole batch is returned.
func (j *Job) Write(ctx context.Context, recs []Record, pos []Position) error {
	return j.WriteReplacing(ctx, nil, recs, pos)
}

// WriteReplacing is Write that first deletes the documents stale, by the
// _ids DerivedIDs returned, in the same atomic batch: a file source reading
// an object again after it was rewritten removes what the earlier version
// left (a document the batch writes again under the same _id is replaced).
// An _id already gone is no error.
func (j *Job) WriteReplacing(ctx context.Context, stale []string, recs []Record, pos []Position) error {
	pw, err := j.Prepare(ctx, stale, recs)
	if err != nil {
		return err
	}
	return j.Commit(ctx, pw, pos)
}

// PreparedWrite is a batch of records made into the operations of one
// write (Prepare), waiting for its commit.
type PreparedWrite struct {
	stale       []string
	recs        []Record
	owners      recordOwners
	undecodable int
	write       *storage.PreparedWrite
}

// Prepare does the part of WriteReplacing that needs no commit: the
// records' operations, their transformation, their validation and
// encoding. A source with one stream of positions prepares its next batch
// while the last one commits, then commits them in order.
func (j *Job) Prepare(ctx context.Context, stale []string, recs []Record) (*PreparedWrite, error) {
	ops := make([]storage.WriteOp, 0, len(stale)+len(recs))
	for _, id := range stale {
		ops = append(ops, storage.WriteOp{Kind: storage.OpDelete, ID: id})
	}
	prefix := j.Source.ID + ":"
	tr, err := j.m.transforms.ForCollection(j.Collection)
	if err != nil {
		return nil, fmt.Errorf("field mapping query of %s.%s: %w", j.Collection.Workspace, j.Collection.Name, err)
	}
	owners := recordOwners{first: len(stale)}
	var docs []types.Value
	undecodable := 0
	for i := range recs {
		switch {
		case recs[i].Err != nil:
			undecodable++
		case tr == nil:
			ops = append(ops, toOp(&recs[i], prefix))
			owners.direct = append(owners.direct, i)
		default:
			doc, err := withID(&recs[i], prefix)
			if err != nil {
				ops = append(ops, storage.WriteOp{Err: err})
				owners.direct = append(owners.direct, i)
				continue
			}
			docs = append(docs, doc)
			owners.docs = append(owners.docs, i)
		}
	}
	if tr != nil && len(docs) > 0 {
		// The transformation's ops (a rollup's folds included) commit in
		// this one write, with the positions: a batch is never folded
		// twice.
		owners.tb = tr.Apply(ctx, docs)
		ops = append(ops, owners.tb.Ops...)
	}
	// By ID: a job that outlives its collection (restarted by a reconcile
	// while the collection was being dropped) must not write into one
	// created again under the same name, with the old field mapping query.
	w, err := j.m.eng.PrepareAtCollection(j.Collection, ops)
	if err != nil {
		return nil, j.gone(err)
	}
	return &PreparedWrite{stale: stale, recs: recs, owners: owners, undecodable: undecodable, write: w}, nil
}

// Preparer makes a batch of records into a PreparedWrite one record at a
// time, for a collection without a field mapping query: a source prepares
// each record as soon as it has decoded it, while the document is still in
// the CPU's caches (a pass over the whole batch afterwards read every
// document from memory again).
type Preparer struct {
	prefix      string
	stale       []string
	owners      recordOwners
	undecodable int
	write       *storage.PreparedWrite
}

// NewPreparer returns a Preparer for a batch that first deletes the
// documents stale (as WriteReplacing), or nil when the collection has a
// field mapping query, whose batches Prepare makes whole.
func (j *Job) NewPreparer(stale []string) (*Preparer, error) {
	tr, err := j.m.transforms.ForCollection(j.Collection)
	if err != nil {
		return nil, fmt.Errorf("field mapping query of %s.%s: %w", j.Collection.Workspace, j.Collection.Name, err)
	}
	if tr != nil {
		return nil, nil
	}
	w, err := j.m.eng.NewPreparedWriteAt(j.Collection)
	if err != nil {
		return nil, j.gone(err)
	}
	for _, id := range stale {
		w.Add(storage.WriteOp{Kind: storage.OpDelete, ID: id})
	}
	return &Preparer{prefix: j.Source.ID + ":", stale: stale, owners: recordOwners{first: len(stale)}, write: w}, nil
}

// Add prepares record i of the batch, which must be added in order.
func (p *Preparer) Add(i int, rec *Record) {
	if rec.Err != nil {
		p.undecodable++
		return
	}
	p.write.Add(toOp(rec, p.prefix))
	p.owners.direct = append(p.owners.direct, i)
}

// Done returns the prepared write of the batch recs, whose records were
// all added.
func (p *Preparer) Done(recs []Record) *PreparedWrite {
	return &PreparedWrite{stale: p.stale, recs: recs, owners: p.owners, undecodable: p.undecodable, write: p.write}
}

// Commit commits a prepared write with the positions read up to its last
// record, as WriteReplacing does.
func (j *Job) Commit(ctx context.Context, pw *PreparedWrite, pos []Position) error {
	pc, err := j.Submit(ctx, pw, pos, nil)
	if err != nil {
		return err
	}
	return pc.Wait(ctx)
}

// PendingCommit is a prepared write queued for its commit (Job.Submit).
type PendingCommit struct {
	j       *Job
	pw      *PreparedWrite
	pos     []Position
	flushed []string
	pending string
	now     time.Time
	kept    *[]badRecord
	commit  *storage.PendingCommit
}

// Submit queues a prepared write with the positions read up to its last
// record and returns without waiting for its commit (PendingCommit.Wait).
// Writes commit in the order they were queued: a source with one stream of
// positions queues its next batch while the last one commits, after the
// last one (which, should it fail, fails this one too).
func (j *Job) Submit(ctx context.Context, pw *PreparedWrite, pos []Position, after *PendingCommit) (*PendingCommit, error) {
	recs, owners := pw.recs, pw.owners
	flushed := j.takeFlushed()
	cks := make([]storage.Checkpoint, 0, len(pos)+len(flushed)+1)
	for _, p := range pos {
		cks = append(cks, storage.Checkpoint{Source: j.CheckpointPrefix() + p.Name, Value: strconv.AppendInt(nil, p.Offset, 10)})
	}
	for _, k := range flushed {
		cks = append(cks, storage.Checkpoint{Source: k, Delete: true})
	}
	// The records to keep are known once the commit has applied the
	// operations (an _op REPLACE of a missing _id fails only then), and
	// are stored in the same batch as the positions.
	now := time.Now()
	kept := new([]badRecord)
	pending := ""
	if len(recs) > 0 {
		pending = j.pendingKey()
		cks = append(cks, storage.Checkpoint{Source: pending, Results: func(res []storage.WriteResult) []byte {
			*kept = owners.kept(recs, res, now)
			if len(*kept) == 0 {
				return nil
			}
			v, err := json.Marshal(*kept)
			if err != nil {
				panic(fmt.Sprintf("ingest: encode pending records: %v", err)) // strings and an int
			}
			return v
		}})
	}
	var prev *storage.PendingCommit
	if after != nil {
		prev = after.commit
	}
	c, err := j.m.eng.SubmitPrepared(ctx, pw.write, cks, prev)
	if err != nil {
		j.putFlushed(flushed...)
		return nil, j.gone(err)
	}
	return &PendingCommit{j: j, pw: pw, pos: append([]Position(nil), pos...), flushed: flushed, pending: pending, now: now, kept: kept, commit: c}, nil
}

// Wait waits for the commit and counts it in the source's status (ctx
// bounds keeping its bad records in _meta.bad).
func (p *PendingCommit) Wait(ctx context.Context) error {
	j, stale, recs, undecodable := p.j, p.pw.stale, p.pw.recs, p.pw.undecodable
	pos, flushed, pending, now := p.pos, p.flushed, p.pending, p.now
	res, _, err := p.commit.Wait()
	kept := *p.kept // set by the commit
	if err != nil {
		j.putFlushed(flushed...)
		return j.gone(err)
	}
	deleted := 0
	for _, r := range res[:len(stale)] {
		if r.Err == nil && r.Status == storage.StatusDeleted {
			deleted++
		}
	}
	res = res[len(stale):]
	failed, replaced := 0, 0
	for _, r := range res {
		switch {
		case r.Err != nil:
			failed++
		case r.Status == storage.StatusReplaced:
			replaced++
		}
	}
	// Kept before the status counts them, so that a reader who sees the
	// counts finds the records in _meta.bad. The batch holds them: should
	// this write fail, keepPending writes them before the connector
	// starts again.
	var keepErr error
	if len(kept) > 0 {
		j.logKept(kept, undecodable, now)
		if keepErr = j.m.keepBad(ctx, j, kept); keepErr == nil {
			j.putFlushed(pending)
		}
	}
	j.status.update(func(s *Status) {
		s.Records += int64(len(recs))
		s.Documents += int64(len(res) - failed)
		s.BadRecords += int64(undecodable)
		s.ErrorDocuments += int64(failed)
		s.Replaced += int64(replaced)
		s.Deleted += int64(deleted)
		if len(recs) > 0 {
			s.LastProcessedAt = now
		}
		for _, p := range pos {
			if n, err := strconv.ParseInt(p.Name, 10, 32); err == nil {
				s.partition(int32(n)).Offset = p.Offset
			}
		}
	})
	j.m.metrics.records.WithLabelValues(j.Collection.Workspace, j.Collection.Name, j.Source.ID).Add(float64(len(recs)))
	if undecodable > 0 {
		j.m.metrics.bad.WithLabelValues(j.Collection.Workspace, j.Collection.Name, j.Source.ID).Add(float64(undecodable))
	}
	if failed > 0 {
		j.m.metrics.failed.WithLabelValues(j.Collection.Workspace, j.Collection.Name, j.Source.ID).Add(float64(failed))
	}
	if keepErr != nil {
		return fmt.Errorf("keep %d records in %s.%s: %w", len(kept), BadWorkspace, BadCollection, keepErr)
	}
	return nil
}

// gone maps "the collection no longer exists" to ErrCollectionGone.
func (j *Job) gone(err error) error {
	if errors.Is(err, catalog.ErrNotFound) || errors.Is(err, storage.ErrClosed) {
		return fmt.Errorf("%w: %v", ErrCollectionGone, err)
	}
	return err
}

// DerivedIDs returns the _ids of the collection's documents that the
// source derived from a record position starting with position (see
// Record.Position): for a file source, the documents without an _id of
// their own read from one object. Documents that carried their own _id,
// and rollup groups, are not among them.
func (j *Job) DerivedIDs(position string) ([]string, error) {
	snap, err := j.m.eng.Snapshot(j.Collection.Workspace, j.Collection.Name)
	if err != nil {
		return nil, j.gone(err)
	}
	defer snap.Close()
	var ids []string
	err = snap.IDsWithPrefix(j.Source.ID+":"+position, func(id string) error {
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

// SetState reports the source's state ("" message when all is well).
func (j *Job) SetState(state, msg string) {
	j.status.update(func(s *Status) { s.setState(state, msg, time.Now()) })
}

// SetLag records how far a partition's end is past the committed position.
func (j *Job) SetLag(partition int32, offset, end int64) {
	lag := max(end-offset, 0)
	j.status.update(func(s *Status) {
		ps := s.partition(partition)
		ps.Offset = offset
		ps.Lag = lag
	})
	j.m.metrics.lag.WithLabelValues(j.Collection.Workspace, j.Collection.Name, j.Source.ID, strconv.Itoa(int(partition))).Set(float64(lag))
}

// SetProgress reports a file or S3 source's progress: bytes read of the
// listed objects' total, and objects read to the end of those listed.
func (j *Job) SetProgress(bytesRead, bytesTotal, objectsDone, objectsTotal int64) {
	j.status.update(func(s *Status) {
		s.BytesRead, s.BytesTotal = bytesRead, bytesTotal
		s.ObjectsDone, s.ObjectsTotal = objectsDone, objectsTotal
	})
}

// SetInFlight reports the records a source has read and not committed yet
// (Status.InFlightBytes, InFlightRecords).
func (j *Job) SetInFlight(bytes, records int64) {
	j.status.update(func(s *Status) { s.InFlightBytes, s.InFlightRecords = bytes, records })
}

// Decoder returns JSON decoders that enforce the engine's limits.
func (j *Job) Decoder() *types.Decoder { return types.NewDecoder(j.m.eng.Limits()) }
