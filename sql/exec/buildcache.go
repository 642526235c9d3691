package exec

import (
	"container/list"
	"encoding/binary"
	"hash/maphash"
	"sync"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// buildCache keeps the build sides of hash joins that scan a collection
// (a dimension: users, products, devices), so that the next join against
// the same documents probes the table the last one built instead of
// reading the collection again. Pinot keeps dimension tables in memory for
// lookup joins for the same reason; here nothing is declared: a build side
// is kept under what decides its rows (the scan and its keys,
// fingerprinted) and the version of the snapshot it read, and found again
// only at that version, so a write to the dimension makes the next join
// build afresh. A side is kept from the second time its key is met
// (admit). Entries are evicted least recently used first beyond the
// bound (buildCacheBytes unless SetBuildCacheBytes says otherwise). A
// cached side is read-only, so any number of queries
// probe it at once.
type buildCache struct {
	mu    sync.Mutex
	byKey map[buildKey]*list.Element
	order *list.List // front: most recently used *buildEntry
	bytes int64
	limit int64
	// seen holds the keys of build sides met once (admit): a side, and
	// its segments' rows, are kept only when its key comes again, so a
	// side whose fingerprint changes with every statement (a filter on
	// NOW(), folded to a constant) never fills the cache.
	// Keys are held by a hash: a fingerprint can be long (an index lookup
	// join's batch of keys), and a collision only admits a side early.
	seen map[uint64]bool
	// Counts for /metrics: sides and segments' rows found, sides kept.
	sideHits, segmentHits, kept int64
}

// seenKeys bounds seen: it is emptied when full.
const seenKeys = 4096

var seenSeed = maphash.MakeSeed()

// segmentHit counts a sealed segment's kept rows taken by a scan.
func (c *buildCache) segmentHit() {
	c.mu.Lock()
	c.segmentHits++
	c.mu.Unlock()
}

// admit reports whether key was met before, and records it.
func (c *buildCache) admit(key buildKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := maphash.String(seenSeed, key.plan) ^ key.instance*0x9e3779b97f4a7c15
	if c.seen[h] {
		return true
	}
	if len(c.seen) >= seenKeys {
		clear(c.seen)
	}
	c.seen[h] = true
	return false
}

// SetBuildCacheBytes bounds the memory of the kept build sides (0: keep
// none), for the whole process; entries beyond it go at once.
func SetBuildCacheBytes(n int64) { joinBuilds.setLimit(n) }

func (c *buildCache) setLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = max(0, n)
	for c.bytes > c.limit {
		c.remove(c.order.Back())
	}
}

// BuildCacheStats returns how many hash join build sides were found kept
// whole, how many sealed segments' rows a build read from the cache, how
// many sides were kept, and the bytes the cache holds.
func BuildCacheStats() (sideHits, segmentHits, kept, bytes int64) {
	c := joinBuilds
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sideHits, c.segmentHits, c.kept, c.bytes
}

// buildCacheBytes is the default bound of the memory of the kept build
// sides (SetBuildCacheBytes); a side larger than a quarter of the bound is
// not kept.
const buildCacheBytes = 256 << 20

var joinBuilds = newBuildCache(buildCacheBytes)

func newBuildCache(limit int64) *buildCache {
	return &buildCache{byKey: map[buildKey]*list.Element{}, order: list.New(), limit: limit, seen: map[uint64]bool{}}
}

// buildKey names a build side up to its snapshot's sequence number: one
// entry per collection and plan, replaced when its collection moves on.
type buildKey struct {
	instance uint64
	plan     string
}

type buildEntry struct {
	key buildKey
	seq uint64
	// A whole build side, or the rows one sealed segment gave its scan.
	side  *hashSide
	part  *keptPart
	bytes int64     // charged to each query's memory budget, as a build would be
	stats NodeStats // the scan's, shown by EXPLAIN ANALYZE
}

// keptPart is the rows a scan read from a whole sealed segment and, for
// each, its row in the segment. The scan saw dels of the segment's
// deletions: only a view that sees at least as many (usable) may take
// them, as an older snapshot still holds rows deleted since.
type keptPart struct {
	rows []Row
	at   []int32
	dels int
}

// usable reports whether view v sees every deletion the kept rows lack.
func (p *keptPart) usable(v *storage.SegmentView) bool { return v.Deletions() >= p.dels }

// live returns the kept rows that view v (of the same segment) has not
// deleted. The rows are shared: read-only.
func (p *keptPart) live(v *storage.SegmentView) []Row {
	del := v.Deleted()
	if del.IsEmpty() {
		return p.rows
	}
	out := make([]Row, 0, len(p.rows))
	for k, r := range p.rows {
		if !del.Contains(uint32(p.at[k])) {
			out = append(out, r)
		}
	}
	return out
}

// partKey names the rows scan s (fingerprinted as fp) reads from sealed
// segment v: they depend on nothing else, so the key has no version.
func partKey(s *scanOp, fp string, v *storage.SegmentView) buildKey {
	return buildKey{instance: s.snap.Version().Instance, plan: string(binary.AppendUvarint([]byte(fp), v.ID()))}
}

// get returns the entry of key at version v, nil when there is none.
func (c *buildCache) get(key buildKey, v storage.Version) *buildEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil
	}
	e := el.Value.(*buildEntry)
	if e.seq != v.Seq {
		return nil
	}
	c.order.MoveToFront(el)
	if e.side != nil {
		c.sideHits++
	}
	return e
}

// put keeps e, replacing the entry of its key (an older version), unless
// it is too large to keep.
func (c *buildCache) put(e *buildEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		c.remove(el)
	}
	e.bytes += int64(len(e.key.plan)) // the key is held too
	if e.bytes > c.limit/4 {
		return
	}
	if e.side != nil {
		c.kept++
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.bytes += e.bytes
	for c.bytes > c.limit {
		c.remove(c.order.Back())
	}
}

func (c *buildCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*buildEntry)
	delete(c.byKey, e.key)
	c.bytes -= e.bytes
}

// cachedBuild is how a join's build side may be kept: the scan it reads
// and the cache key. ok is false for a build side the cache cannot name
// exactly (not a plain scan; a subquery or a volatile function in it).
//
// scanFP fingerprints the scan alone, for the rows of its segments
// (scanAll).
func cachedBuild(in Operator, keys []plan.Expr) (s *scanOp, key buildKey, scanFP string, ok bool) {
	c, isCounting := in.(*counting)
	if !isCounting {
		return nil, key, "", false
	}
	if s, ok = c.in.(*scanOp); !ok || s.n.IDs != nil || s.n.Limit > 0 {
		return nil, key, "", false
	}
	if scanFP, ok = scanFingerprint(s.n, nil); !ok {
		return nil, key, "", false
	}
	fp, ok := scanFingerprint(s.n, keys)
	if !ok {
		return nil, key, "", false
	}
	// The tags keep a side and a segment's rows apart.
	return s, buildKey{instance: s.snap.Version().Instance, plan: "s" + fp}, "p" + scanFP, true
}

// scanFingerprint encodes everything that decides the rows and keys a
// build side holds, given the documents: the collection, the columns read,
// the access path (index predicates, time bounds), the residual filter and
// the key expressions. Column references are encoded by their position in
// the scan, so two statements that read a dimension alike share its entry.
func scanFingerprint(s *plan.Scan, keys []plan.Expr) (string, bool) {
	f := fingerprinter{pos: map[plan.ColID]int{}, ok: true}
	f.str(s.Table.Workspace())
	f.str(s.Table.Name())
	f.int(int64(len(s.Columns)))
	for i, c := range s.Columns {
		f.pos[c.ID] = i
		f.str(c.Path)
		f.bool(c.Leaf)
		f.int(int64(len(c.Children)))
		for _, ch := range c.Children {
			f.str(ch)
		}
	}
	f.int(int64(len(s.Index)))
	for _, ip := range s.Index {
		f.str(ip.Path)
		f.bool(ip.Exact)
		p := ip.Pred
		f.int(int64(p.Op))
		f.int(int64(len(p.Values)))
		for _, v := range p.Values {
			f.value(v)
		}
		f.value(p.Lo)
		f.value(p.Hi)
		f.bool(p.LoInclusive)
		f.bool(p.HiInclusive)
		f.str(p.Prefix)
	}
	f.bool(s.HasTime)
	f.int(s.TimeLo)
	f.int(s.TimeHi)
	f.expr(s.Filter)
	f.exprs(keys)
	return string(f.b), f.ok
}

// fingerprinter writes an unambiguous encoding: every node a tag, every
// list its length, every string its length.
type fingerprinter struct {
	b   []byte
	pos map[plan.ColID]int
	ok  bool
}

func (f *fingerprinter) int(n int64) { f.b = binary.AppendVarint(f.b, n) }

func (f *fingerprinter) str(s string) {
	f.int(int64(len(s)))
	f.b = append(f.b, s...)
}

func (f *fingerprinter) bool(v bool) {
	if v {
		f.b = append(f.b, 1)
	} else {
		f.b = append(f.b, 0)
	}
}

// value writes v with its kind: 1 and 1.0 differ (1/2 is not 1.0/2).
func (f *fingerprinter) value(v types.Value) {
	f.b = append(f.b, byte(v.Kind()))
	if v.Kind() == types.KindUndefined {
		return
	}
	f.b = types.AppendBinary(f.b, v)
}

func (f *fingerprinter) exprs(es []plan.Expr) {
	f.int(int64(len(es)))
	for _, e := range es {
		f.expr(e)
	}
}

func (f *fingerprinter) expr(e plan.Expr) {
	if !f.ok {
		return
	}
	tag := func(t byte) { f.b = append(f.b, t) }
	switch e := e.(type) {
	case nil:
		tag(0)
	case *plan.ColRef:
		p, ok := f.pos[e.ID]
		if !ok {
			// A column of another input: an outer reference.
			f.ok = false
			return
		}
		tag(1)
		f.int(int64(p))
	case *plan.Const:
		tag(2)
		f.value(e.V)
	case *plan.Call:
		if e.Fn.Volatile {
			// NOW() differs between statements, RANDOM() between rows.
			f.ok = false
			return
		}
		tag(3)
		f.str(e.Fn.Name)
		f.bool(e.Lenient)
		f.exprs(e.Args)
	case *plan.Arith:
		tag(4)
		f.b = append(f.b, e.Op)
		f.bool(e.Lenient)
		f.expr(e.L)
		f.expr(e.R)
	case *plan.Cmp:
		tag(5)
		f.str(e.Op)
		f.expr(e.L)
		f.expr(e.R)
	case *plan.Logic:
		tag(6)
		f.bool(e.And)
		f.expr(e.L)
		f.expr(e.R)
	case *plan.Not:
		tag(7)
		f.expr(e.X)
	case *plan.Neg:
		tag(8)
		f.bool(e.Lenient)
		f.expr(e.X)
	case *plan.Concat:
		tag(9)
		f.expr(e.L)
		f.expr(e.R)
	case *plan.IsTest:
		tag(10)
		f.str(e.What)
		f.bool(e.Not)
		f.expr(e.X)
	case *plan.IsDistinct:
		tag(11)
		f.bool(e.Not)
		f.expr(e.L)
		f.expr(e.R)
	case *plan.In:
		tag(12)
		f.bool(e.Not)
		f.expr(e.X)
		f.exprs(e.List)
	case *plan.Like:
		tag(13)
		f.bool(e.Not)
		f.bool(e.ILike)
		f.expr(e.X)
		f.expr(e.Pattern)
		f.expr(e.Escape)
	case *plan.Regex:
		tag(14)
		f.bool(e.Not)
		f.bool(e.ICase)
		f.expr(e.X)
		f.expr(e.Pattern)
	case *plan.Case:
		tag(15)
		f.int(int64(len(e.Whens)))
		for _, w := range e.Whens {
			f.expr(w.Cond)
			f.expr(w.Then)
		}
		f.expr(e.Else)
	case *plan.Cast:
		tag(16)
		f.str(e.Type)
		f.bool(e.Try)
		f.expr(e.X)
	case *plan.Coalesce:
		tag(17)
		f.exprs(e.Args)
	case *plan.Subscript:
		tag(18)
		f.expr(e.X)
		f.expr(e.Index)
	case *plan.Field:
		tag(19)
		f.str(e.Name)
		f.expr(e.X)
	case *plan.ArrayOf:
		tag(20)
		f.exprs(e.Elems)
	case *plan.IntervalAdd:
		tag(21)
		f.int(int64(e.Iv.Months))
		f.int(int64(e.Iv.Days))
		f.int(e.Iv.Micros)
		f.int(int64(e.Sign))
		f.expr(e.X)
	case *plan.AnyCmp:
		tag(22)
		f.str(e.Op)
		f.bool(e.All)
		f.expr(e.X)
		f.expr(e.Array)
	default:
		// Subqueries, and any expression added later: not kept until
		// encoded here.
		f.ok = false
	}
}
