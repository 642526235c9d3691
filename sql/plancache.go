package sql

import (
	"container/list"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// Binding and optimizing a statement cost half of a point lookup by _id
// (expanding `*` over a collection's paths, resolving columns, pushing
// predicates down). Applications send the same statements over and over,
// so the optimized plans of recent SELECTs are kept and reused while what
// they were made from still holds:
//
//   - the same statement (parsed statements come from the parse cache: one
//     pointer per text), default workspace and parameter values (the binder
//     folds parameters into the plan), on the same engine;
//   - the statement calls no volatile function (NOW() is folded into the
//     plan);
//   - every collection it read still has the same column paths (what `*`
//     expands to) and the same kinds at the paths the binder asked about
//     (comparisons are coerced by them): a new field or a new kind of value
//     makes a new plan, at once;
//   - the plan is younger than planCacheTTL and no collection's size moved
//     past twice or half what it was: access paths and join order follow
//     statistics, which the plan would otherwise keep for ever. (Those only
//     make a plan faster or slower, never its answer wrong.)
//
// Plans are never modified after optimizing; the executor reads a scan's
// collection from the snapshots of the running statement, by name, never
// from the plan. So sessions share plans.
const (
	planCacheEntries = 1024
	planCacheTTL     = 10 * time.Second
	// planCacheRowSlack keeps small collections from making new plans at
	// every write.
	planCacheRowSlack = 1000
)

var plans = &planCache{byKey: map[planKey]*list.Element{}, order: list.New()}

type planCache struct {
	mu    sync.Mutex
	byKey map[planKey]*list.Element
	order *list.List // front: most recently used
	// hits counts plans reused, misses statements planned afresh that
	// could have been.
	hits, misses atomic.Int64
}

// PlanCacheStats returns how many SELECTs reused a cached plan and how
// many were planned afresh (volatile and EXPLAIN statements aside), since
// the process started.
func PlanCacheStats() (hits, misses int64) {
	return plans.hits.Load(), plans.misses.Load()
}

type planKey struct {
	eng    *storage.Engine
	sel    *ast.Select
	ws     string
	params string
}

type cachedPlan struct {
	key   planKey
	q     *plan.Query
	colls []string
	deps  []planDep
	made  time.Time
}

// planDep is what a plan took from one collection.
type planDep struct {
	ws, name string
	// stamp is the snapshot's (storage.Snapshot.Stamp): while it is the
	// same, so are paths and kinds, and they need no comparing.
	stamp    []uint64
	paths    []string // nil: the binder never asked
	kinds    map[string]plan.Kinds
	children map[string]pathChildren
	rows     int64
}

// planKeyOf returns the key of sel run by s with params.
func (s *Session) planKeyOf(sel *ast.Select, params Params) planKey {
	var b []byte
	for _, v := range params.Positional {
		b = types.AppendBinary(b, v)
	}
	if len(params.Named) > 0 {
		names := make([]string, 0, len(params.Named))
		for n := range params.Named {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			b = types.AppendBinary(b, types.String(n))
			b = types.AppendBinary(b, params.Named[n])
		}
	}
	return planKey{eng: s.eng, sel: sel, ws: s.workspace(), params: string(b)}
}

// get returns the cached plan of key if it still holds for the collections
// snaps opens now (which it opens, checking the session may read them).
func (c *planCache) get(key planKey, snaps *snapshots) (*cachedPlan, error) {
	c.mu.Lock()
	var p *cachedPlan
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		p = e.Value.(*cachedPlan) // put and replace change it, under mu
	}
	c.mu.Unlock()
	if p == nil {
		return nil, nil
	}
	if time.Since(p.made) > planCacheTTL {
		c.drop(p)
		return nil, nil
	}
	var stamps [][]uint64 // of deps that held although their stamp changed
	for i, d := range p.deps {
		pt, err := snaps.Table(d.ws, d.name)
		if err != nil {
			return nil, err
		}
		t := pt.(*table)
		stamp := t.snap.Stamp()
		if slices.Equal(stamp, d.stamp) {
			continue
		}
		if !d.holds(t) {
			c.drop(p)
			return nil, nil
		}
		if stamps == nil {
			stamps = make([][]uint64, len(p.deps))
		}
		stamps[i] = stamp
	}
	if stamps != nil {
		// Written to since: the next run may compare stamps again.
		q := *p
		q.deps = slices.Clone(p.deps)
		for i, st := range stamps {
			if st != nil {
				q.deps[i].stamp = st
			}
		}
		c.replace(p, &q)
	}
	c.hits.Add(1)
	return p, nil
}

// holds reports whether what the plan took from the collection is what
// its snapshot t has.
func (d *planDep) holds(t *table) bool {
	if rows := t.RowCount(); rows > 2*d.rows+planCacheRowSlack || d.rows > 2*rows+planCacheRowSlack {
		return false
	}
	if d.paths != nil && !slices.Equal(t.Paths(), d.paths) {
		return false
	}
	for path, k := range d.kinds {
		if t.PathKinds(path) != k {
			return false
		}
	}
	for path, c := range d.children {
		if exists, below := t.PathChildren(path); exists != c.exists || !slices.Equal(below, c.below) {
			return false
		}
	}
	return true
}

// put caches plan q of key, made from the collections snaps opened.
func (c *planCache) put(key planKey, q *plan.Query, colls []string, snaps *snapshots) {
	p := &cachedPlan{key: key, q: q, colls: colls, made: time.Now()}
	for _, t := range snaps.open {
		p.deps = append(p.deps, planDep{ws: t.ws, name: t.name, stamp: t.snap.Stamp(), paths: t.paths, kinds: t.kinds, children: t.children, rows: t.RowCount()})
	}
	slices.SortFunc(p.deps, func(a, b planDep) int {
		return strings.Compare(a.ws+"."+a.name, b.ws+"."+b.name)
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		e.Value = p
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(p)
	if c.order.Len() > planCacheEntries {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cachedPlan).key)
	}
}

// replace puts q in p's place, unless another plan has replaced p.
func (c *planCache) replace(p, q *cachedPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[p.key]; ok && e.Value == p {
		e.Value = q
	}
}

// drop removes p, unless another plan has replaced it.
func (c *planCache) drop(p *cachedPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[p.key]; ok && e.Value == p {
		c.order.Remove(e)
		delete(c.byKey, p.key)
	}
}
