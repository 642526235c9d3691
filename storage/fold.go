package storage

import (
	"fmt"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
)

// OpFold computes a document from the current version of its _id inside the
// committer: a read-modify-write that no other write to the collection can
// interleave with, because one goroutine commits each collection. Ingest
// rollups fold each batch's partial aggregates into the group's document
// with it. The fold is part of the commit of its request like any other
// operation, so it lands atomically with the rest of the batch (and with
// the source offsets committed alongside): a batch is folded once or not
// at all.
//
// Its value sits far from the iota block of write.go so that the kinds
// there can grow without moving it.
const OpFold OpKind = 64

// FoldFunc returns the new document of an _id given its current document
// (exists false: there is none, old is undefined). It runs in the
// collection's committer goroutine, after the operations queued before it,
// including earlier folds of the same _id in the same commit group: two
// folds of one _id compose. It must be quick, must not block, and must not
// retain or modify old. An error fails this operation only; the returned
// document's _id is replaced by the operation's ID, and its _event_time,
// when absent or null, is kept from the current document (or is the ingest
// time for a new one).
type FoldFunc func(old types.Value, exists bool) (types.Value, error)

// prepareFold checks a fold operation: it needs an _id and a function. The
// document itself is known only in the committer.
func prepareFold(p prepared, op WriteOp, now time.Time) prepared {
	if op.Fold == nil {
		p.err = invalid("fold operation has no fold function")
		return p
	}
	id := op.ID
	if id == "" {
		p.err = invalid("field %s is required for a fold operation", FieldID)
		return p
	}
	if len(id) > MaxIDBytes {
		p.err = invalid("field %s is %d bytes, over the limit of %d", FieldID, len(id), MaxIDBytes)
		return p
	}
	p.id = id
	p.fold = op.Fold
	p.eventTime = now.UnixMicro() // the event time of a new document without one
	return p
}

// applyFold runs a fold operation against the group state. Committer only.
func (c *collection) applyFold(g *groupState, op *prepared, res WriteResult, cur uint64, exists bool) (WriteResult, error) {
	var old types.Value
	if exists {
		var err error
		if old, err = c.currentDoc(g, op, cur); err != nil {
			return res, err
		}
	}
	doc, err := callFold(op.fold, old, exists)
	if err != nil {
		res.Err = AsDocError(err)
		return res, nil
	}
	if doc.Kind() != types.KindObject {
		res.Err = invalid("fold produced %s, not a document", doc.Kind())
		return res, nil
	}
	if depth := types.Depth(doc); depth > c.e.opts.Limits.MaxDepth {
		res.Err = invalid("folded document nests %d deep, over the limit of %d", depth, c.e.opts.Limits.MaxDepth)
		return res, nil
	}
	et := op.eventTime
	if v := doc.Get(FieldEventTime); !v.IsUndefined() && !v.IsNull() {
		if et, err = parseEventTime(v, "", "UTC", FieldEventTime); err != nil {
			res.Err = AsDocError(err)
			return res, nil
		}
	} else if exists {
		et = eventTimeOf(old)
	}
	c.putRow(g, op.id, op.idHash, normalizeDoc(doc, op.id, et), nil, et, cur, exists)
	res.Status = StatusAdded
	if exists {
		res.Status = StatusPatched
	}
	return res, nil
}

// callFold calls f, turning a panic into the operation's error: a broken
// fold must not take the committer down with it.
func callFold(f FoldFunc, old types.Value, exists bool) (doc types.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DocError{Type: ErrInternal, Message: fmt.Sprintf("fold failed: %v", r)}
		}
	}()
	return f(old, exists)
}

// EventTime returns a document's event time in microseconds as a write to
// col would set it: from col's mapped field, from `_event_time`, or now.
// Ingest transformations read `_input._event_time` through it, so that a
// transformation sees the timestamp the raw document would be stored with.
func EventTime(col catalog.Collection, doc types.Value, now time.Time) (int64, error) {
	return eventTime(col, doc, now)
}
