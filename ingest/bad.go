package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest/transform"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// The error collection keeps the records a source read and could not
// store: those that did not decode, and those whose document the
// transformation or the write refused.
const (
	BadWorkspace  = "_meta"
	BadCollection = "bad"
	// maxBadRecordBytes bounds how much of a record is kept.
	maxBadRecordBytes = 64 << 10
)

// badRecord is what the error collection keeps of a record.
type badRecord struct {
	// Key is the record's Position, which keys its entry; Position is
	// where it is for people. Entries written before Key existed have
	// only Position, the key then.
	Key      string `json:"key,omitempty"`
	Position string `json:"position"`
	Error    string `json:"error"`
	Record   string `json:"record"`
	// At is when the record was read, in Unix microseconds.
	At int64 `json:"at"`
}

// undecodable is what the error collection keeps of a record that did
// not decode: its reason, which names where it was, and its bytes.
func undecodable(r *Record, now time.Time) badRecord {
	return badRecord{Key: r.Position, Position: r.where(), Error: r.Err.Error(), Record: recordText(r.Raw), At: now.UnixMicro()}
}

// rejected is what the error collection keeps of a record whose document
// failed: its position and reason, and the document as read (before the
// transformation).
func rejected(r *Record, msg string, now time.Time) badRecord {
	raw := r.Raw
	if raw == nil {
		raw = types.AppendJSON(nil, r.Doc)
	}
	return badRecord{Key: r.Position, Position: r.where(), Error: "record " + r.where() + ": " + msg, Record: recordText(raw), At: now.UnixMicro()}
}

func recordText(raw []byte) string {
	return strings.ToValidUTF8(string(raw[:min(len(raw), maxBadRecordBytes)]), "\uFFFD")
}

// pendingName starts the name of a pending entry among a source's
// checkpoints: the records of one write, stored with its documents and
// positions in the same atomic batch, that the error collection (another
// collection, so another commit) does not hold for sure yet. The job
// writes them to the error collection once the batch commits and deletes
// the entry with its next write; entries a crash or a failed write left
// are written again (by the same _ids, so overwritten, not doubled) before
// the source's connector starts. No position's name starts with a NUL.
const pendingName = "\x00bad/"

// recordOwners maps a write's operations back to the records they were
// made from, to find the records whose documents failed.
type recordOwners struct {
	// first is the index of the first operation made from a record (the
	// ones before it delete stale documents).
	first int
	// direct[k] is the record of operation first+k, for the operations
	// made without the transformation, or failed before it.
	direct []int
	// tb is the transformation's outcome; its operations follow the
	// direct ones, and its input document k is record docs[k].
	tb   *transform.Batch
	docs []int
}

// kept returns what the error collection keeps of a write's records:
// those that did not decode, then those whose operation failed (every
// input of a failed rollup fold). res are the results of the write's
// operations.
func (o *recordOwners) kept(recs []Record, res []storage.WriteResult, now time.Time) []badRecord {
	var out []badRecord
	for i := range recs {
		if recs[i].Err != nil {
			out = append(out, undecodable(&recs[i], now))
		}
	}
	for k, r := range o.direct {
		if e := res[o.first+k].Err; e != nil {
			out = append(out, rejected(&recs[r], e.Message, now))
		}
	}
	if o.tb != nil {
		base := o.first + len(o.direct)
		for k, op := range o.tb.Docs {
			if op == transform.Skipped {
				continue
			}
			if e := res[base+op].Err; e != nil {
				out = append(out, rejected(&recs[o.docs[k]], e.Message, now))
			}
		}
	}
	return out
}

// pendingKey returns the checkpoint name of a new pending entry: unique
// among the entries of the source that exist, as those a process finds at
// start are deleted before its connector writes.
func (j *Job) pendingKey() string {
	return fmt.Sprintf("%s%s%d", j.CheckpointPrefix(), pendingName, j.pendingSeq.Add(1))
}

// takeFlushed returns the pending entries already written to the error
// collection, for the next write to delete.
func (j *Job) takeFlushed() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	f := j.flushed
	j.flushed = nil
	return f
}

// putFlushed gives back entries for a later write to delete.
func (j *Job) putFlushed(keys ...string) {
	j.mu.Lock()
	j.flushed = append(j.flushed, keys...)
	j.mu.Unlock()
}

// keepPending writes to the error collection the records of the pending
// entries left by a crash, or by a write to the error collection that
// failed, and deletes the entries. The manager calls it before each start
// of the source's connector.
func (j *Job) keepPending(ctx context.Context) error {
	raw, err := j.m.eng.Checkpoints(j.Collection.Workspace, j.Collection.Name, j.CheckpointPrefix()+pendingName)
	if err != nil {
		return j.gone(err)
	}
	if len(raw) == 0 {
		return nil
	}
	var recs []badRecord
	del := make([]storage.Checkpoint, 0, len(raw))
	for name, v := range raw {
		var entry []badRecord
		if err := json.Unmarshal(v, &entry); err != nil {
			return fmt.Errorf("source %s: corrupt pending records %q: %w", j.Source.ID, name, err)
		}
		recs = append(recs, entry...)
		del = append(del, storage.Checkpoint{Source: name, Delete: true})
	}
	if err := j.m.keepBad(ctx, j, recs); err != nil {
		return fmt.Errorf("keep the records of an earlier run in %s.%s: %w", BadWorkspace, BadCollection, err)
	}
	if _, _, err := j.m.eng.WriteAtCollection(ctx, j.Collection, nil, del); err != nil {
		return j.gone(err)
	}
	j.takeFlushed() // deleted above
	j.Log.Info("records of an earlier run kept", "count", len(recs))
	return nil
}

// keepBad writes records to the error collection, creating it on first
// use. Each record's _id is its source and position, so writing it again
// (a replay after a crash) overwrites rather than repeats it.
func (m *Manager) keepBad(ctx context.Context, j *Job, bad []badRecord) error {
	if err := m.ensureBadCollection(); err != nil {
		return err
	}
	ops := make([]storage.WriteOp, len(bad))
	for i, r := range bad {
		key := r.Key
		if key == "" {
			key = r.Position
		}
		ops[i] = storage.WriteOp{Doc: types.Object([]types.Field{
			{Name: storage.FieldID, Value: types.String(j.Source.ID + ":" + key)},
			{Name: "workspace", Value: types.String(j.Collection.Workspace)},
			{Name: "collection", Value: types.String(j.Collection.Name)},
			{Name: "source_id", Value: types.String(j.Source.ID)},
			{Name: "position", Value: types.String(r.Position)},
			{Name: "error", Value: types.String(r.Error)},
			{Name: "record", Value: types.String(r.Record)},
			{Name: "received_at", Value: types.Timestamp(r.At)},
		})}
	}
	res, _, err := m.eng.Write(ctx, BadWorkspace, BadCollection, ops)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return fmt.Errorf("write to %s.%s: %s", BadWorkspace, BadCollection, r.Err.Message)
		}
	}
	return nil
}

func (m *Manager) ensureBadCollection() error {
	m.badMu.Lock()
	defer m.badMu.Unlock()
	cat := m.eng.Catalog()
	if _, err := cat.Collection(BadWorkspace, BadCollection); err == nil {
		return nil
	}
	if _, err := cat.Workspace(BadWorkspace); err != nil {
		if _, err := cat.CreateWorkspace(BadWorkspace, "records that ingest sources could not decode or store"); err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
			return err
		}
	}
	_, err := m.eng.CreateCollection(BadWorkspace, catalog.CollectionSpec{Name: BadCollection, Description: "records that ingest sources could not decode or store, with the reason"})
	if err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
		return err
	}
	return nil
}

// keptLogInterval is the least time between two Warn lines of one source
// about records kept in the error collection: a topic whose every record
// fails the transformation logs a line a minute, not one a record.
const keptLogInterval = time.Minute

// keptLog rate-limits a source's Warn lines about kept records: the first
// at once, then at most one per keptLogInterval with the counts since the
// previous line.
type keptLog struct {
	mu                    sync.Mutex
	last                  time.Time
	undecodable, rejected int64 // since the last line
}

// logKept counts the records of a write kept in the error collection and
// logs them when the last line is old enough.
func (j *Job) logKept(kept []badRecord, undecodable int, now time.Time) {
	l := &j.keptLog
	l.mu.Lock()
	l.undecodable += int64(undecodable)
	l.rejected += int64(len(kept) - undecodable)
	if !l.last.IsZero() && now.Sub(l.last) < keptLogInterval {
		l.mu.Unlock()
		return
	}
	u, r := l.undecodable, l.rejected
	l.undecodable, l.rejected, l.last = 0, 0, now
	l.mu.Unlock()
	j.Log.Warn("source records kept in "+BadWorkspace+"."+BadCollection,
		"undecodable", u, "rejected", r, "example", kept[0].Error, "next_line_after", keptLogInterval)
}
