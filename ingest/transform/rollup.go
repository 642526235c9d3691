package transform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/basaltdb/basalt/sql/exec"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// rollupGroup is one group's partial aggregates over a batch.
type rollupGroup struct {
	key    []types.Value
	states []*exec.AggState
}

// GroupID returns the _id of the rollup document of a group key: a hash of
// the key as GROUP BY compares keys, so equal keys (1 and 1.0 included)
// name one document in every process and every batch.
func GroupID(key []types.Value) string {
	sum := sha256.Sum256(exec.GroupKey(nil, key))
	return hex.EncodeToString(sum[:16])
}

// rollup aggregates docs by group and appends one fold op per group, after
// the error ops of the documents that failed.
func (e *eval) rollup(b *Batch, docs []types.Value) {
	t := e.t
	groups := map[string]*rollupGroup{}
	var order []*rollupGroup
	var kbuf []byte
	keyVals := make([]types.Value, len(t.keys))
	args := make([][]types.Value, len(t.aggs))
	use := make([]bool, len(t.aggs))
	groupOf := make([]*rollupGroup, len(docs))
	for i, doc := range docs {
		err := func() error {
			keep, err := e.load(doc)
			if err != nil || !keep {
				return err
			}
			for k, f := range e.keys {
				v, err := f(e.row)
				if err != nil {
					return fmt.Errorf("GROUP BY %s: %w", formatExpr(t.keys[k]), err)
				}
				keyVals[k] = v
			}
			// Evaluate every argument before folding any, so that a
			// failing document leaves the group untouched.
			for a, fs := range e.args {
				use[a] = true
				if f := e.aggIf[a]; f != nil {
					v, err := f(e.row)
					if err != nil {
						return fmt.Errorf("%s FILTER: %w", t.aggs[a].Name, err)
					}
					use[a] = v.Kind() == types.KindBool && v.Bool()
				}
				args[a] = args[a][:0]
				for _, f := range fs {
					v, err := f(e.row)
					if err != nil {
						return fmt.Errorf("%s(%s): %w", t.aggs[a].Name, formatArgs(t.aggs[a]), err)
					}
					args[a] = append(args[a], v.Clone())
				}
			}
			kbuf = exec.GroupKey(kbuf[:0], keyVals)
			g := groups[string(kbuf)]
			if g == nil {
				g = &rollupGroup{key: make([]types.Value, len(keyVals))}
				for k, v := range keyVals {
					g.key[k] = v.Clone()
				}
				for _, a := range t.aggs {
					s, err := exec.NewAggState(a)
					if err != nil {
						return err
					}
					g.states = append(g.states, s)
				}
				groups[string(kbuf)] = g
				order = append(order, g)
			}
			for a, s := range g.states {
				if !use[a] {
					continue
				}
				if err := s.Add(args[a]); err != nil {
					return fmt.Errorf("%s(%s): %w", t.aggs[a].Name, formatArgs(t.aggs[a]), err)
				}
			}
			groupOf[i] = g
			return nil
		}()
		switch {
		case err != nil:
			op := storage.WriteOp{Err: fmt.Errorf("field mapping query: %w", err)}
			if doc.Kind() == types.KindObject {
				op.ID, _ = storage.NormalizeID(doc.Get(storage.FieldID))
			}
			b.Docs[i] = len(b.Ops)
			b.Ops = append(b.Ops, op)
		case groupOf[i] == nil:
			b.Docs[i] = Skipped
		}
	}
	opOf := make(map[*rollupGroup]int, len(order))
	for _, g := range order {
		opOf[g] = len(b.Ops)
		b.Ops = append(b.Ops, storage.WriteOp{Kind: storage.OpFold, ID: GroupID(g.key), Fold: e.fold(g)})
	}
	for i, g := range groupOf {
		if g != nil {
			b.Docs[i] = opOf[g]
		}
	}
}

func formatArgs(a plan.AggCall) string {
	if a.Star {
		return "*"
	}
	s := ""
	for i, x := range a.Args {
		if i > 0 {
			s += ", "
		}
		s += formatExpr(x)
	}
	return s
}

// fold returns the storage fold of group g: load the states saved in the
// current document, merge g's partial states into them, and rebuild the
// document. It runs in the collection's committer, after Apply returned;
// the evaluators are this batch's own, and the committer runs the folds of
// a batch one after the other.
func (e *eval) fold(g *rollupGroup) storage.FoldFunc {
	t := e.t
	return func(old types.Value, exists bool) (types.Value, error) {
		states := g.states
		if exists {
			saved := old.Get(storage.FieldMeta).Get(MetaRollup)
			if saved.Kind() != types.KindArray || saved.Len() != len(t.aggs) {
				return types.Value{}, fmt.Errorf("rollup document %q has no aggregate states for this query (%s)", GroupID(g.key), saved.Kind())
			}
			states = make([]*exec.AggState, len(t.aggs))
			for a, call := range t.aggs {
				s, err := exec.NewAggState(call)
				if err != nil {
					return types.Value{}, err
				}
				if err := s.Load(saved.Elems()[a]); err != nil {
					return types.Value{}, fmt.Errorf("rollup document %q, %s: %w", GroupID(g.key), call.Name, err)
				}
				s.Merge(g.states[a])
				states[a] = s
			}
		}
		row := make(exec.Row, 0, len(t.aggCols))
		row = append(row, g.key...)
		save := make([]types.Value, len(states))
		for a, s := range states {
			v, err := s.Result()
			if err != nil {
				return types.Value{}, fmt.Errorf("%s: %w", t.aggs[a].Name, err)
			}
			row = append(row, v)
			save[a] = s.Save()
			if types.HoldsInterval(save[a]) {
				// Documents hold no intervals (see types.Storable), and a
				// state kept as text would not load back.
				return types.Value{}, fmt.Errorf("%s: a rollup cannot keep an aggregate of intervals; aggregate EXTRACT(epoch FROM …) instead", t.aggs[a].Name)
			}
		}
		fields := make([]types.Field, 0, len(t.outNames)+1)
		for i, name := range t.outNames {
			v, err := e.outs[i](row)
			if err != nil {
				return types.Value{}, fmt.Errorf("field mapping query: field %q (%s): %w", name, formatExpr(t.outExprs[i]), err)
			}
			fields = setField(fields, name, types.Storable(v.Clone()))
		}
		fields = append(fields, types.Field{Name: storage.FieldMeta, Value: types.Object([]types.Field{{Name: MetaRollup, Value: types.Array(save)}})})
		return types.Object(fields), nil
	}
}
