package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
// documents read before them are all there. Records that failed to decode
// go to the error collection first (by a deterministic _id, so a replay
// overwrites them). Only a failure of the whole batch is returned.
func (j *Job) Write(ctx context.Context, recs []Record, pos []Position) error {
	return j.WriteReplacing(ctx, nil, recs, pos)
}

// WriteReplacing is Write that first deletes the documents stale, by the
// _ids DerivedIDs returned, in the same atomic batch: a file source reading
// an object again after it was rewritten removes what the earlier version
// left (a document the batch writes again under the same _id is replaced).
// An _id already gone is no error.
func (j *Job) WriteReplacing(ctx context.Context, stale []string, recs []Record, pos []Position) error {
	var bad []Record
	ops := make([]storage.WriteOp, 0, len(stale)+len(recs))
	for _, id := range stale {
		ops = append(ops, storage.WriteOp{Kind: storage.OpDelete, ID: id})
	}
	prefix := j.Source.ID + ":"
	tr, err := j.m.transforms.ForCollection(j.Collection)
	if err != nil {
		return fmt.Errorf("field mapping query of %s.%s: %w", j.Collection.Workspace, j.Collection.Name, err)
	}
	var docs []types.Value
	for i := range recs {
		switch {
		case recs[i].Err != nil:
			bad = append(bad, recs[i])
		case tr == nil:
			ops = append(ops, toOp(&recs[i], prefix))
		default:
			doc, err := withID(&recs[i], prefix)
			if err != nil {
				ops = append(ops, storage.WriteOp{Err: err})
				continue
			}
			docs = append(docs, doc)
		}
	}
	if tr != nil && len(docs) > 0 {
		// The transformation's ops (a rollup's folds included) commit in
		// this one write, with the positions: a batch is never folded
		// twice.
		ops = append(ops, tr.Apply(ctx, docs).Ops...)
	}
	if len(bad) > 0 {
		if err := j.m.keepBad(ctx, j, bad); err != nil {
			return fmt.Errorf("keep undecodable records: %w", err)
		}
	}
	cks := make([]storage.Checkpoint, len(pos))
	for i, p := range pos {
		cks[i] = storage.Checkpoint{Source: j.CheckpointPrefix() + p.Name, Value: strconv.AppendInt(nil, p.Offset, 10)}
	}
	// By ID: a job that outlives its collection (restarted by a reconcile
	// while the collection was being dropped) must not write into one
	// created again under the same name, with the old field mapping query.
	res, _, err := j.m.eng.WriteAtCollection(ctx, j.Collection, ops, cks)
	if err != nil {
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
	if failed > 0 {
		j.Log.Debug("source documents rejected", "count", failed, "first", firstErr(res))
	}
	now := time.Now()
	j.status.update(func(s *Status) {
		s.Records += int64(len(recs))
		s.Documents += int64(len(res) - failed)
		s.BadRecords += int64(len(bad))
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
	if len(bad) > 0 {
		j.m.metrics.bad.WithLabelValues(j.Collection.Workspace, j.Collection.Name, j.Source.ID).Add(float64(len(bad)))
	}
	return nil
}

func firstErr(res []storage.WriteResult) string {
	for _, r := range res {
		if r.Err != nil {
			return r.Err.Message
		}
	}
	return ""
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
