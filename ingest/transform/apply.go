package transform

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql/exec"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// Skipped is the Batch.Docs entry of a document the WHERE clause dropped.
const Skipped = -1

// Batch is the outcome of applying a transformation to a batch of input
// documents: the operations to write, and where each input went.
type Batch struct {
	// Ops are the operations to write, in order, in one storage write.
	// Inputs that failed have an op with Err set, so that the write
	// reports them in order with the others. A rollup's fold ops share the
	// batch's evaluators: write them in one Write call (or in calls one
	// after the other), never in concurrent ones. Put a source's offsets
	// in the same Write so that a replayed batch is not folded twice.
	Ops []storage.WriteOp
	// Docs has one entry per input document: the index in Ops of the op
	// that carries it (for a rollup, the fold of its group, shared with the
	// other inputs of the group), or Skipped.
	Docs []int
}

// Results maps the results of writing b.Ops to one result per input
// document: a skipped document gets StatusSkipped; the inputs of a rollup
// group share the group's result.
func (b *Batch) Results(res []storage.WriteResult) []storage.WriteResult {
	out := make([]storage.WriteResult, len(b.Docs))
	for i, j := range b.Docs {
		if j == Skipped {
			out[i] = storage.WriteResult{Status: storage.StatusSkipped}
			continue
		}
		out[i] = res[j]
	}
	return out
}

// eval holds a transformation's compiled evaluators for one Apply: they
// share buffers, so each Apply has its own.
type eval struct {
	t     *Transform
	now   time.Time
	where exec.RowFunc
	outs  []exec.RowFunc // over the input row, or over aggCols for a rollup
	keys  []exec.RowFunc
	args  [][]exec.RowFunc
	aggIf []exec.RowFunc
	row   exec.Row
}

func (t *Transform) newEval(now time.Time) (*eval, error) {
	fctx := &fn.Ctx{Now: now.UnixMicro()}
	e := &eval{t: t, now: now, row: make(exec.Row, len(t.cols))}
	var err error
	if t.where != nil {
		fs, err := exec.CompileRow(fctx, t.cols, []plan.Expr{t.where})
		if err != nil {
			return nil, err
		}
		e.where = fs[0]
	}
	outCols := t.cols
	if t.rollup {
		outCols = t.aggCols
	}
	if e.outs, err = exec.CompileRow(fctx, outCols, t.outExprs); err != nil {
		return nil, err
	}
	if !t.rollup {
		return e, nil
	}
	if e.keys, err = exec.CompileRow(fctx, t.cols, t.keys); err != nil {
		return nil, err
	}
	e.args = make([][]exec.RowFunc, len(t.aggs))
	e.aggIf = make([]exec.RowFunc, len(t.aggs))
	for i, a := range t.aggs {
		if e.args[i], err = exec.CompileRow(fctx, t.cols, a.Args); err != nil {
			return nil, err
		}
		if a.Filter != nil {
			fs, err := exec.CompileRow(fctx, t.cols, []plan.Expr{a.Filter})
			if err != nil {
				return nil, err
			}
			e.aggIf[i] = fs[0]
		}
	}
	return e, nil
}

// load fills the input row from doc and applies WHERE: keep is false for a
// document the WHERE drops.
func (e *eval) load(doc types.Value) (keep bool, err error) {
	if doc.Kind() != types.KindObject {
		return false, fmt.Errorf("a document must be a JSON object, got %s", doc.Kind())
	}
	for i, p := range e.t.paths {
		e.row[i] = p.Eval(doc)
	}
	if i := e.t.etCol; i >= 0 {
		// _input._event_time is the timestamp the document would be
		// stored with: parsed, or the ingest time when absent.
		us, err := storage.EventTime(catalog.Collection{}, doc, e.now)
		if err != nil {
			return false, err
		}
		e.row[i] = types.Timestamp(us)
	}
	if e.where == nil {
		return true, nil
	}
	v, err := e.where(e.row)
	if err != nil {
		return false, fmt.Errorf("WHERE: %w", err)
	}
	return v.Kind() == types.KindBool && v.Bool(), nil
}

// Apply transforms a batch of input documents. It never fails as a whole:
// a document that cannot be transformed gets an op with Err set. The
// documents must stay valid until the ops are written (ops may alias
// them).
func (t *Transform) Apply(ctx context.Context, docs []types.Value) *Batch {
	return t.ApplyAt(ctx, docs, time.Now())
}

// ApplyAt is Apply with the ingest time given: what NOW() and a missing
// `_input._event_time` read.
func (t *Transform) ApplyAt(ctx context.Context, docs []types.Value, now time.Time) *Batch {
	b := &Batch{Docs: make([]int, len(docs))}
	e, err := t.newEval(now)
	if err != nil {
		// Compile checked this already; fail every document rather than
		// lose them silently.
		for i := range docs {
			b.Docs[i] = len(b.Ops)
			b.Ops = append(b.Ops, storage.WriteOp{Err: fmt.Errorf("field mapping query: %w", err)})
		}
		return b
	}
	if t.rollup {
		e.rollup(b, docs)
		return b
	}
	for i, doc := range docs {
		op, keep := e.apply(doc)
		if !keep {
			b.Docs[i] = Skipped
			continue
		}
		b.Docs[i] = len(b.Ops)
		b.Ops = append(b.Ops, op)
	}
	return b
}

// apply transforms one document.
func (e *eval) apply(doc types.Value) (storage.WriteOp, bool) {
	fail := func(err error) (storage.WriteOp, bool) {
		op := storage.WriteOp{Err: fmt.Errorf("field mapping query: %w", err)}
		if doc.Kind() == types.KindObject {
			op.ID, _ = storage.NormalizeID(doc.Get(storage.FieldID))
		}
		return op, true
	}
	keep, err := e.load(doc)
	if err != nil {
		return fail(err)
	}
	if !keep {
		return storage.WriteOp{}, false
	}
	t := e.t
	var fields []types.Field
	if t.star {
		fields = make([]types.Field, 0, doc.Len()+len(t.outNames))
		for _, f := range doc.Fields() {
			if !t.except[f.Name] {
				fields = append(fields, f)
			}
		}
	}
	for i, name := range t.outNames {
		v, err := e.outs[i](e.row)
		if err != nil {
			return fail(fmt.Errorf("field %q (%s): %w", name, formatExpr(t.outExprs[i]), err))
		}
		fields = setField(fields, name, types.Storable(v))
	}
	out := types.Object(fields)
	kind, err := storage.OpFromDocument(out)
	if err != nil {
		return fail(err)
	}
	return storage.WriteOp{Kind: kind, Doc: out}, true
}

// colIDs are the column numbers plan.FormatExpr prints after names.
var colIDs = regexp.MustCompile(`#[0-9]+`)

// formatExpr renders a bound expression for an error message, as the user
// wrote it more or less.
func formatExpr(e plan.Expr) string { return colIDs.ReplaceAllString(plan.FormatExpr(e), "") }

// setField sets name to v in fields, replacing an existing field; an
// undefined v removes it.
func setField(fields []types.Field, name string, v types.Value) []types.Field {
	for j := range fields {
		if fields[j].Name == name {
			if v.IsUndefined() {
				return append(fields[:j], fields[j+1:]...)
			}
			fields[j].Value = v
			return fields
		}
	}
	if v.IsUndefined() {
		return fields
	}
	return append(fields, types.Field{Name: name, Value: v})
}
