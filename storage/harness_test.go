package storage

// The test harness shared by the differential, isolation, crash, retention
// and concurrency tests: a controllable clock, an in-memory model of a
// collection (the reference the engine must agree with), random documents
// and operations, and checkState, which compares every read path of a
// snapshot with the model.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// testClock is a clock tests move by hand (Options.Now).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ---------------------------------------------------------------------------
// Strict value comparison.

// sameValue reports whether a and b are the same value in every respect the
// engine must preserve: kind (an int stays an int, 1.0 stays a float), float
// bits, string bytes, array order and object field order.
func sameValue(a, b types.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case types.KindUndefined, types.KindNull:
		return true
	case types.KindBool, types.KindInt, types.KindTimestamp, types.KindFloat:
		return a.Bits() == b.Bits()
	case types.KindString:
		return a.Str() == b.Str()
	case types.KindArray:
		ae, be := a.Elems(), b.Elems()
		if len(ae) != len(be) {
			return false
		}
		for i := range ae {
			if !sameValue(ae[i], be[i]) {
				return false
			}
		}
		return true
	case types.KindObject:
		af, bf := a.Fields(), b.Fields()
		if len(af) != len(bf) {
			return false
		}
		for i := range af {
			if af[i].Name != bf[i].Name || !sameValue(af[i].Value, bf[i].Value) {
				return false
			}
		}
		return true
	}
	return false
}

// show renders a value with kinds visible (1 vs 1.0, strings vs timestamps).
func show(v types.Value) string {
	switch v.Kind() {
	case types.KindUndefined:
		return "undefined"
	case types.KindFloat:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64) + "f"
	case types.KindTimestamp:
		return "ts(" + strconv.FormatInt(v.Micros(), 10) + ")"
	case types.KindArray:
		parts := make([]string, 0, v.Len())
		for _, e := range v.Elems() {
			parts = append(parts, show(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case types.KindObject:
		parts := make([]string, 0, v.Len())
		for _, f := range v.Fields() {
			parts = append(parts, strconv.Quote(f.Name)+":"+show(f.Value))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return v.JSON()
}

// ---------------------------------------------------------------------------
// The model.

// model is the reference state of one collection: _id → stored document.
type model struct {
	meta   catalog.Collection
	limits types.Limits
	docs   map[string]types.Value
	stats  map[string]int // outcomes seen, by kind of op and result
}

func newModel(meta catalog.Collection) *model {
	l := types.Limits{}
	l.EnsureDefaults()
	return &model{meta: meta, limits: l, docs: map[string]types.Value{}}
}

func (m *model) clone() *model {
	n := &model{meta: m.meta, limits: m.limits, docs: make(map[string]types.Value, len(m.docs))}
	for k, v := range m.docs {
		n.docs[k] = v
	}
	return n
}

func (m *model) ids() []string {
	out := make([]string, 0, len(m.docs))
	for id := range m.docs {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// expected is the outcome the model predicts for one operation.
type expected struct {
	status  Status
	errType ErrorType // "" unless status is StatusError
	id      string    // "" when it cannot be known in advance
	noop    bool      // opExpire that did not apply
}

func (x expected) String() string {
	if x.status == StatusError {
		return fmt.Sprintf("ERROR(%s) id=%q", x.errType, x.id)
	}
	return fmt.Sprintf("%s id=%q", x.status, x.id)
}

func docErr(t ErrorType) expected { return expected{status: StatusError, errType: t} }

// modelID normalizes an _id value the way the API documents it: strings as
// they are, integral numbers in int64 range in decimal (so 1e15 and
// 1000000000000000 are one id), an integer literal past int64 in its exact
// digits, other numbers in their shortest form; anything else, or an empty or over-long id, is invalid.
func modelID(v types.Value) (string, bool) {
	var id string
	switch v.Kind() {
	case types.KindString:
		id = v.Str()
	case types.KindInt:
		id = strconv.FormatInt(v.Int(), 10)
	case types.KindFloat:
		f := v.Float()
		if text := v.IntegerText(); text != "" {
			id = text
		} else if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
			id = strconv.FormatInt(int64(f), 10)
		} else {
			id = strconv.FormatFloat(f, 'g', -1, 64)
		}
	default:
		return "", false
	}
	return id, id != "" && len(id) <= MaxIDBytes
}

// modelEventTime returns the event time of a document (micros) under the
// collection's mapping. The generator only writes the forms handled here.
func (m *model) modelEventTime(doc types.Value, now time.Time) (int64, bool) {
	field, iso := FieldEventTime, false
	if eti := m.meta.EventTimeInfo; eti != nil {
		field, iso = eti.Field, eti.Format == catalog.FormatISO8601
	}
	v := doc.Get(field)
	switch v.Kind() {
	case types.KindUndefined, types.KindNull:
		return now.UnixMicro(), true
	case types.KindTimestamp:
		return v.Micros(), true
	case types.KindString:
		t, err := time.Parse(time.RFC3339Nano, v.Str())
		if err != nil {
			return 0, false
		}
		return t.UnixMicro(), true
	case types.KindInt:
		if iso {
			return 0, false
		}
		return v.Int(), true
	case types.KindFloat:
		if iso {
			return 0, false
		}
		return int64(v.Float()), true
	}
	return 0, false
}

// normalized is the stored form of a document: _id, then _event_time as a
// timestamp, then the other fields in order without _op.
func normalized(doc types.Value, id string, et int64) types.Value {
	fields := []types.Field{{Name: FieldID, Value: types.String(id)}, {Name: FieldEventTime, Value: types.Timestamp(et)}}
	for _, f := range doc.Fields() {
		if f.Name == FieldID || f.Name == FieldEventTime || f.Name == FieldOp {
			continue
		}
		fields = append(fields, f)
	}
	return types.Object(fields)
}

func pointerTop(ptr string) string {
	toks, err := types.ParsePointer(ptr)
	if err != nil || len(toks) == 0 {
		return ""
	}
	return toks[0]
}

// apply runs op against the model and returns what the engine must answer.
// genID is the id the engine reported, used when the op asks the engine to
// generate one.
func (m *model) apply(op WriteOp, now time.Time, genID string) expected {
	if op.Err != nil {
		return docErr(ErrInvalidInput)
	}
	switch op.Kind {
	case OpPatch, OpDelete:
		id := op.ID
		if id == "" && !op.Doc.IsUndefined() {
			var ok bool
			if id, ok = modelID(op.Doc.Get(FieldID)); !ok {
				return docErr(ErrInvalidInput)
			}
		}
		if id == "" {
			return docErr(ErrInvalidInput)
		}
		cur, exists := m.docs[id]
		if op.Kind == OpDelete {
			if !exists {
				x := docErr(ErrNotFound)
				x.id = id
				return x
			}
			delete(m.docs, id)
			return expected{status: StatusDeleted, id: id}
		}
		if len(op.Patch) == 0 {
			return docErr(ErrInvalidInput)
		}
		for _, po := range op.Patch {
			for _, ptr := range []string{po.Path, po.From} {
				switch pointerTop(ptr) {
				case FieldID, FieldEventTime, FieldMeta:
					return docErr(ErrInvalidInput)
				}
			}
		}
		if !exists {
			x := docErr(ErrNotFound)
			x.id = id
			return x
		}
		doc, err := types.ApplyPatch(cur, op.Patch, m.limits.MaxFieldNameBytes)
		if err != nil {
			x := docErr(ErrInvalidInput)
			x.id = id
			return x
		}
		m.docs[id] = doc
		return expected{status: StatusPatched, id: id}
	}
	doc := op.Doc
	if doc.Kind() != types.KindObject || !doc.Get(FieldMeta).IsUndefined() {
		return docErr(ErrInvalidInput)
	}
	var id string
	if idv := doc.Get(FieldID); !idv.IsUndefined() {
		var ok bool
		if id, ok = modelID(idv); !ok {
			return docErr(ErrInvalidInput)
		}
	} else if op.Kind == OpUpsert || op.Kind == OpInsert || op.Kind == OpMerge {
		if genID == "" {
			return expected{status: StatusAdded, id: "<generated>"}
		}
		if _, taken := m.docs[genID]; taken {
			return expected{status: StatusAdded, id: "<fresh generated id, not " + genID + ">"}
		}
		id = genID
	} else {
		return docErr(ErrInvalidInput)
	}
	et, ok := m.modelEventTime(doc, now)
	if !ok {
		return docErr(ErrInvalidInput)
	}
	stored := normalized(doc, id, et)
	cur, exists := m.docs[id]
	switch op.Kind {
	case OpUpsert, OpInsert, OpReplace:
		if op.Kind == OpInsert && exists {
			x := docErr(ErrAlreadyExists)
			x.id = id
			return x
		}
		if op.Kind == OpReplace && !exists {
			x := docErr(ErrNotFound)
			x.id = id
			return x
		}
		m.docs[id] = stored
		if exists {
			return expected{status: StatusReplaced, id: id}
		}
		return expected{status: StatusAdded, id: id}
	case OpUpdate, OpMerge:
		if !exists {
			if op.Kind == OpUpdate {
				x := docErr(ErrNotFound)
				x.id = id
				return x
			}
			m.docs[id] = stored
			return expected{status: StatusAdded, id: id}
		}
		merged := cur
		for _, f := range doc.Fields() {
			if f.Name == FieldID || f.Name == FieldEventTime || f.Name == FieldOp {
				continue
			}
			merged = merged.WithField(f.Name, f.Value)
		}
		m.docs[id] = merged
		return expected{status: StatusPatched, id: id}
	}
	panic(fmt.Sprintf("model: unknown op kind %d", op.Kind))
}

// checkResults applies ops to the model in order and compares each result.
func (m *model) checkResults(t testing.TB, what string, ops []WriteOp, res []WriteResult, now time.Time) {
	t.Helper()
	if len(res) != len(ops) {
		t.Fatalf("%s: %d results for %d ops", what, len(res), len(ops))
	}
	for i, op := range ops {
		x := m.apply(op, now, res[i].ID)
		r := res[i]
		if m.stats == nil {
			m.stats = map[string]int{}
		}
		m.stats[strings.Fields(describeOp(op))[0]+"/"+x.status.String()+string(x.errType)]++
		bad := r.Status != x.status
		if x.status == StatusError {
			bad = bad || r.Err == nil || r.Err.Type != x.errType
		} else {
			bad = bad || r.Err != nil
		}
		if x.id != "" && r.ID != x.id {
			bad = true
		}
		if bad {
			t.Fatalf("%s: op %d (%s): got %v %v id=%q, want %v", what, i, describeOp(op), r.Status, r.Err, r.ID, x)
		}
	}
}

func describeOp(op WriteOp) string {
	kinds := map[OpKind]string{OpUpsert: "upsert", OpInsert: "insert", OpReplace: "replace", OpUpdate: "update", OpMerge: "merge", OpPatch: "patch", OpDelete: "delete"}
	s := kinds[op.Kind]
	if op.ID != "" {
		s += " id=" + op.ID
	}
	if !op.Doc.IsUndefined() {
		s += " doc=" + show(op.Doc)
	}
	for _, p := range op.Patch {
		s += fmt.Sprintf(" {%s %s %s %s}", p.Op, p.Path, p.From, show(p.Value))
	}
	if op.Err != nil {
		s += " err=" + op.Err.Error()
	}
	return s
}

// ---------------------------------------------------------------------------
// Random documents and operations.

// gen makes random documents and operations for one collection.
type gen struct {
	rng  *rand.Rand
	now  func() time.Time
	eti  bool     // the collection maps `ts` (ISO-8601) to _event_time
	days int      // event times spread over this many days before now
	ids  []string // the _id pool
}

var fieldNames = []string{"a", "b", "c", "n", "s", "x", "tags", "user", "items", "flag", "score", "when", "a.b", "with space", `q"uote`, "ü"}

var words = []string{"", "alpha", "beta", "gamma", "delta", "al", "alp", "be", "zeta", "2024-01-02T03:04:05Z", "2023-12-31", "null", "true", "1", "1.0", "ümlaut", "a\x00b",
	strings.Repeat("long", 20) + "x", strings.Repeat("long", 20) + "y", "\xff\xfe"}

func (g *gen) scalar() types.Value {
	r := g.rng
	switch r.IntN(14) {
	case 0:
		return types.Null
	case 1:
		return types.Bool(r.IntN(2) == 0)
	case 2, 3:
		return types.Int(int64(r.IntN(11)) - 2)
	case 4:
		return types.Float(float64(r.IntN(11) - 2)) // integral floats: 1.0 vs 1
	case 5:
		return types.Float(float64(r.IntN(40))/4 - 2)
	case 6:
		switch r.IntN(6) {
		case 0:
			return types.Int(math.MaxInt64 - int64(r.IntN(3)))
		case 1:
			return types.Int(math.MinInt64 + int64(r.IntN(3)))
		case 2:
			return types.Int(1<<53 + int64(r.IntN(4)))
		case 3:
			return types.Float(math.Copysign(0, -1))
		case 4:
			return types.Float(1e300 * float64(r.IntN(3)-1))
		}
		return types.Int(r.Int64())
	case 7, 8, 9:
		return types.String(words[r.IntN(len(words))])
	case 10:
		return types.String(fmt.Sprintf("w%d", r.IntN(30)))
	case 11:
		// A timestamp-like string.
		return types.String(time.Unix(1700000000+int64(r.IntN(100))*3600, 0).UTC().Format(time.RFC3339))
	case 12:
		return types.Timestamp(1700000000_000000 + int64(r.IntN(100))*3600_000000)
	}
	return types.Int(int64(r.IntN(1000)))
}

func (g *gen) value(depth int) types.Value {
	r := g.rng
	if depth <= 0 {
		return g.scalar()
	}
	switch r.IntN(10) {
	case 0, 1:
		n := r.IntN(4)
		elems := make([]types.Value, n)
		for i := range elems {
			elems[i] = g.scalar()
		}
		return types.Array(elems)
	case 2:
		n := r.IntN(3)
		elems := make([]types.Value, n)
		for i := range elems {
			if r.IntN(4) == 0 {
				elems[i] = g.value(depth - 1)
			} else {
				elems[i] = g.object(depth-1, 1+r.IntN(3))
			}
		}
		return types.Array(elems)
	case 3:
		return g.object(depth-1, r.IntN(4))
	}
	return g.scalar()
}

func (g *gen) object(depth, n int) types.Value {
	names := map[string]bool{}
	var fields []types.Field
	for len(fields) < n {
		name := fieldNames[g.rng.IntN(len(fieldNames))]
		if names[name] {
			continue
		}
		names[name] = true
		fields = append(fields, types.Field{Name: name, Value: g.value(depth)})
	}
	return types.Object(fields)
}

// eventTimeValue returns a valid event time for the collection's mapping.
func (g *gen) eventTime() types.Value {
	now := g.now()
	t := now.Add(-time.Duration(g.rng.Int64N(int64(g.days) * int64(24*time.Hour))))
	t = t.Truncate(time.Second)
	if g.eti {
		return types.String(t.UTC().Format(time.RFC3339))
	}
	switch g.rng.IntN(3) {
	case 0:
		return types.Int(t.UnixMicro())
	case 1:
		return types.Timestamp(t.UnixMicro())
	}
	return types.String(t.UTC().Format(time.RFC3339))
}

func (g *gen) badEventTime() types.Value {
	if g.eti {
		return [...]types.Value{types.Int(5), types.String("yesterday"), types.Bool(true)}[g.rng.IntN(3)]
	}
	return [...]types.Value{types.Bool(true), types.String("yesterday"), types.Array(nil)}[g.rng.IntN(3)]
}

// idValue returns an _id value that normalizes to id, in one of the forms
// the API accepts.
func (g *gen) idValue(id string) types.Value {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && g.rng.IntN(3) > 0 {
		if g.rng.IntN(2) == 0 {
			return types.Int(n)
		}
		return types.Float(float64(n))
	}
	return types.String(id)
}

// doc returns a random document; id "" leaves _id out.
func (g *gen) doc(id string) types.Value {
	body := g.object(2, g.rng.IntN(6))
	var fields []types.Field
	if id != "" {
		fields = append(fields, types.Field{Name: FieldID, Value: g.idValue(id)})
	}
	etField := FieldEventTime
	if g.eti {
		etField = "ts"
	}
	if g.rng.IntN(8) > 0 {
		fields = append(fields, types.Field{Name: etField, Value: g.eventTime()})
	}
	for _, f := range body.Fields() {
		if f.Name != etField {
			fields = append(fields, f)
		}
	}
	// Shuffle so _id and the event time are not always first.
	g.rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	return types.Object(fields)
}

func (g *gen) pickID(m *model) string {
	if len(m.docs) > 0 && g.rng.IntN(10) < 6 {
		// An existing id: walk the map from a random point.
		k := g.rng.IntN(len(m.docs))
		for id := range m.docs {
			if k == 0 {
				return id
			}
			k--
		}
	}
	return g.ids[g.rng.IntN(len(g.ids))]
}

// pointers returns JSON pointers of places inside v (0-based array tokens).
func pointers(v types.Value, prefix string, out []string) []string {
	switch v.Kind() {
	case types.KindObject:
		for _, f := range v.Fields() {
			p := prefix + "/" + strings.ReplaceAll(strings.ReplaceAll(f.Name, "~", "~0"), "/", "~1")
			out = append(out, p)
			out = pointers(f.Value, p, out)
		}
	case types.KindArray:
		for i, e := range v.Elems() {
			p := prefix + "/" + strconv.Itoa(i)
			out = append(out, p)
			out = pointers(e, p, out)
		}
	}
	return out
}

// patch returns a random patch for doc (which may be undefined).
func (g *gen) patch(doc types.Value) []types.PatchOp {
	r := g.rng
	var ptrs []string
	if doc.Kind() == types.KindObject {
		for _, p := range pointers(doc, "", nil) {
			if top := pointerTop(p); top != FieldID && top != FieldEventTime {
				ptrs = append(ptrs, p)
			}
		}
	}
	existing := func() string {
		if len(ptrs) == 0 || r.IntN(8) == 0 {
			return "/" + fieldNames[r.IntN(len(fieldNames))]
		}
		return ptrs[r.IntN(len(ptrs))]
	}
	n := 1 + r.IntN(3)
	ops := make([]types.PatchOp, 0, n)
	for range n {
		var op types.PatchOp
		switch r.IntN(12) {
		case 0, 1:
			op = types.PatchOp{Op: "add", Path: "/" + fieldNames[r.IntN(len(fieldNames))], Value: g.value(1)}
		case 2:
			op = types.PatchOp{Op: "add", Path: existing() + "/" + fieldNames[r.IntN(len(fieldNames))], Value: g.scalar()}
		case 3:
			op = types.PatchOp{Op: "remove", Path: existing()}
		case 4:
			op = types.PatchOp{Op: "replace", Path: existing(), Value: g.value(1)}
		case 5, 6:
			v := types.Int(int64(r.IntN(5)) - 1)
			if r.IntN(3) == 0 {
				v = types.Float(0.5)
			}
			op = types.PatchOp{Op: "increment", Path: existing(), Value: v}
		case 7:
			p := existing()
			want := types.Value(g.scalar())
			if tv, err := types.ParsePointer(p); err == nil && r.IntN(2) == 0 {
				// The right value, so the test passes.
				want = getPointer(doc, tv)
				if want.IsUndefined() {
					want = types.Null
				}
			}
			op = types.PatchOp{Op: "test", Path: p, Value: want}
		case 8:
			op = types.PatchOp{Op: [...]string{"copy", "move"}[r.IntN(2)], From: existing(), Path: "/" + fieldNames[r.IntN(len(fieldNames))]}
		case 9:
			op = types.PatchOp{Op: "add", Path: existing() + "/-", Value: g.scalar()}
		case 10:
			// Reserved fields cannot be patched.
			op = types.PatchOp{Op: "replace", Path: "/" + [...]string{FieldID, FieldEventTime, FieldMeta}[r.IntN(3)], Value: g.scalar()}
			if r.IntN(2) == 0 {
				op = types.PatchOp{Op: "copy", From: "/" + FieldID, Path: "/x"}
			}
		default:
			op = types.PatchOp{Op: "REPLACE", Path: existing(), Value: g.scalar()}
		}
		ops = append(ops, op)
	}
	if r.IntN(30) == 0 {
		return nil // an empty patch is an error
	}
	return ops
}

func getPointer(v types.Value, toks []string) types.Value {
	for _, t := range toks {
		switch v.Kind() {
		case types.KindObject:
			v = v.Get(t)
		case types.KindArray:
			i, err := strconv.Atoi(t)
			if err != nil {
				return types.Undefined
			}
			v = v.Index(i)
		default:
			return types.Undefined
		}
	}
	return v
}

// op returns one random operation; prev is the id of the op before it in
// the same request ("" if none), reused sometimes so one request touches an
// _id twice.
func (g *gen) op(m *model, prev string) WriteOp {
	r := g.rng
	id := g.pickID(m)
	if prev != "" && r.IntN(5) == 0 {
		id = prev
	}
	withOp := func(doc types.Value, s string) WriteOp {
		doc = doc.WithField(FieldOp, types.String(s))
		kind, err := OpFromDocument(doc)
		return WriteOp{Kind: kind, Doc: doc, Err: err}
	}
	switch k := r.IntN(100); {
	case k < 25:
		return WriteOp{Kind: OpUpsert, Doc: g.doc(id)}
	case k < 30:
		return WriteOp{Kind: OpUpsert, Doc: g.doc("")} // generated _id
	case k < 36:
		return WriteOp{Kind: OpInsert, Doc: g.doc(id)}
	case k < 41:
		return WriteOp{Kind: OpReplace, Doc: g.doc(id)}
	case k < 46:
		return WriteOp{Kind: OpUpdate, Doc: g.object(1, 1+r.IntN(3)).WithField(FieldID, g.idValue(id))}
	case k < 50:
		return WriteOp{Kind: OpMerge, Doc: g.object(1, 1+r.IntN(3)).WithField(FieldID, g.idValue(id))}
	case k < 66:
		if r.IntN(10) == 0 {
			return WriteOp{Kind: OpPatch, Doc: types.Object([]types.Field{{Name: FieldID, Value: g.idValue(id)}}), Patch: g.patch(m.docs[id])}
		}
		return WriteOp{Kind: OpPatch, ID: id, Patch: g.patch(m.docs[id])}
	case k < 76:
		if r.IntN(4) == 0 {
			return WriteOp{Kind: OpDelete, Doc: types.Object([]types.Field{{Name: FieldID, Value: g.idValue(id)}})}
		}
		return WriteOp{Kind: OpDelete, ID: id}
	case k < 86:
		// `_op` in the document chooses the kind, as the HTTP API does.
		s := [...]string{"INSERT", "insert", "UPDATE", "UPSERT", "DELETE", "REPLACE", "REPSERT", "BOGUS"}[r.IntN(8)]
		var doc types.Value
		if s == "UPDATE" || s == "UPSERT" {
			doc = g.object(1, 1+r.IntN(2)).WithField(FieldID, g.idValue(id))
		} else {
			doc = g.doc(id)
		}
		if r.IntN(10) == 0 {
			return WriteOp{Doc: doc.WithField(FieldOp, types.Int(1)), Err: func() error { _, err := OpFromDocument(doc.WithField(FieldOp, types.Int(1))); return err }()}
		}
		return withOp(doc, s)
	case k < 90:
		// A document with a bad event time.
		f := FieldEventTime
		if g.eti {
			f = "ts"
		}
		return WriteOp{Kind: OpUpsert, Doc: g.doc(id).WithField(f, g.badEventTime())}
	case k < 93:
		// A bad _id or a reserved field.
		switch r.IntN(5) {
		case 0:
			return WriteOp{Kind: OpUpsert, Doc: g.doc("").WithField(FieldID, types.Bool(true))}
		case 1:
			return WriteOp{Kind: OpUpsert, Doc: g.doc("").WithField(FieldID, types.String(""))}
		case 2:
			return WriteOp{Kind: OpUpsert, Doc: g.doc(id).WithField(FieldMeta, types.Int(1))}
		case 3:
			return WriteOp{Kind: OpReplace, Doc: g.doc("")}
		}
		return WriteOp{Kind: OpUpsert, Doc: types.Int(3)}
	case k < 94:
		return WriteOp{Err: fmt.Errorf("did not decode")}
	}
	return WriteOp{Kind: OpUpsert, Doc: g.doc(id)}
}

// batch returns n random operations.
func (g *gen) batch(m *model, n int) []WriteOp {
	ops := make([]WriteOp, 0, n)
	prev := ""
	for range n {
		op := g.op(m, prev)
		ops = append(ops, op)
		if op.ID != "" {
			prev = op.ID
		} else if id, ok := modelID(op.Doc.Get(FieldID)); ok {
			prev = id
		}
	}
	return ops
}

// ---------------------------------------------------------------------------
// Checking a snapshot against the model.

// flatLeaves returns the column leaves of doc by path.
func flatLeaves(doc types.Value) map[string]types.Value {
	out := map[string]types.Value{}
	types.Flatten(doc, nil, func(path []byte, v types.Value) {
		out[string(path)] = v
	})
	return out
}

// indexTerms returns the scalars the inverted index keeps for doc, by index
// path, computed exactly as the segments do.
func indexTerms(doc types.Value) map[string][]types.Value {
	out := map[string][]types.Value{}
	types.Flatten(doc, nil, func(path []byte, v types.Value) {
		types.IndexTerms(path, v, func(ipath []byte, e types.Value) {
			out[string(ipath)] = append(out[string(ipath)], e)
		})
	})
	return out
}

type checkOpts struct {
	lookups int // random (path, predicate) lookups
	zones   int // random zone-map checks per segment
}

// randomPredicate returns a predicate over values like vals.
func randomPredicate(r *rand.Rand, g *gen, vals []types.Value) index.Predicate {
	pick := func() types.Value {
		if len(vals) > 0 && r.IntN(5) > 0 {
			return vals[r.IntN(len(vals))]
		}
		return g.scalar()
	}
	switch r.IntN(8) {
	case 0, 1, 2:
		return index.Eq(pick())
	case 3:
		n := r.IntN(4)
		vs := make([]types.Value, n)
		for i := range vs {
			vs[i] = pick()
		}
		return index.In(vs...)
	case 4, 5, 6:
		lo, hi := pick(), pick()
		if r.IntN(2) == 0 && lo.Kind() != hi.Kind() {
			hi = g.scalar()
		}
		if types.Compare(lo, hi) > 0 && r.IntN(4) > 0 {
			lo, hi = hi, lo
		}
		switch r.IntN(4) {
		case 0:
			lo = types.Undefined
		case 1:
			hi = types.Undefined
		}
		if lo.IsUndefined() && hi.IsUndefined() {
			hi = pick()
		}
		return index.Range(lo, r.IntN(2) == 0, hi, r.IntN(2) == 0)
	}
	v := pick()
	s := v.Str()
	if v.Kind() != types.KindString {
		s = words[r.IntN(len(words))]
	}
	return index.Prefix(s[:r.IntN(len(s)+1)])
}

// vecBuf holds a column read by a check.
type vecBuf struct{ v coldata.Vec }

// viewRows is what a check learned about one segment view: the _id of every
// visible row and which rows are live.
type viewRows struct {
	v    *SegmentView
	ids  []string // by row; "" where the row has no string _id
	live *roaring.Bitmap
}

// checkState compares a snapshot of the collection with the model through
// every read path: DocCount, Get, Locate, full scans of every column,
// Schema, inverted-index lookups and zone maps.
func checkState(t testing.TB, stage string, s *Snapshot, m *model, r *rand.Rand, g *gen, o checkOpts) {
	t.Helper()
	ctx := context.Background()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: %s", stage, fmt.Sprintf(format, args...))
	}
	if got, want := s.DocCount(), int64(len(m.docs)); got != want {
		fail("DocCount %d, model has %d", got, want)
	}
	// PathChildren is Paths narrowed to a path: for every path, its
	// parents, and names of no column.
	snapPaths := s.Paths()
	asked := map[string]bool{"nope": true, `"a.b"`: true, `"a"`: true, "with space": true, "a[1]": true, "tags[*]": true}
	for _, p := range snapPaths {
		asked[p] = true
		for i := range p {
			if p[i] == '.' {
				asked[p[:i]] = true
			}
		}
	}
	for p := range asked {
		exists, below := s.PathChildren(p)
		wantExists, wantBelow := pathsBelow(snapPaths, p)
		if exists != wantExists || !slices.Equal(below, wantBelow) {
			fail("PathChildren(%q) = %v %q, Paths say %v %q", p, exists, below, wantExists, wantBelow)
		}
	}
	// Point reads.
	for _, id := range m.ids() {
		doc, ok, err := s.Get(id)
		if err != nil || !ok {
			fail("Get(%q): ok=%v err=%v, want %s", id, ok, err, show(m.docs[id]))
		}
		if !sameValue(doc, m.docs[id]) {
			fail("Get(%q) = %s\nwant     %s", id, show(doc), show(m.docs[id]))
		}
	}
	for range 20 {
		id := g.ids[r.IntN(len(g.ids))]
		if _, in := m.docs[id]; in {
			continue
		}
		if doc, ok, err := s.Get(id); err != nil || ok {
			fail("Get(%q) of an absent document: %s ok=%v err=%v", id, show(doc), ok, err)
		}
	}

	// Every visible row: its _id, and liveness.
	var views []viewRows
	seen := map[string]bool{}
	for _, v := range s.Segments() {
		vr := viewRows{v: v, ids: make([]string, v.NumRows()), live: roaring.New()}
		if len(v.RowIDs()) != v.NumRows() {
			fail("segment %d: %d row ids for %d rows", v.ID(), len(v.RowIDs()), v.NumRows())
		}
		for i := 1; i < len(v.RowIDs()); i++ {
			if v.RowIDs()[i] <= v.RowIDs()[i-1] {
				fail("segment %d: row ids not ascending at %d", v.ID(), i)
			}
		}
		var col = new(vecBuf)
		if err := v.ReadColumn(FieldID, 0, v.NumRows(), &col.v); err != nil {
			fail("segment %d: read _id: %v", v.ID(), err)
		}
		del := v.Deleted()
		for i := 0; i < v.NumRows(); i++ {
			if col.v.Kind(i) == types.KindString {
				vr.ids[i] = col.v.Str[i]
			}
			if del.Contains(uint32(i)) {
				continue
			}
			vr.live.Add(uint32(i))
			id := vr.ids[i]
			if seen[id] {
				fail("_id %q is live in two rows", id)
			}
			seen[id] = true
			if _, ok := m.docs[id]; !ok {
				fail("segment %d row %d: live row of _id %q, which the model does not have", v.ID(), i, id)
			}
		}
		if int(vr.live.GetCardinality()) != v.LiveRows() {
			fail("segment %d: LiveRows %d, counted %d", v.ID(), v.LiveRows(), vr.live.GetCardinality())
		}
		views = append(views, vr)
	}
	if len(seen) != len(m.docs) {
		for id := range m.docs {
			if !seen[id] {
				fail("_id %q of the model is in no live row", id)
			}
		}
	}
	// Locate agrees with the scan, for a sample.
	for _, id := range sample(r, m.ids(), 50) {
		v, row, ok, err := s.Locate(id)
		if err != nil || !ok {
			fail("Locate(%q): ok=%v err=%v", id, ok, err)
		}
		found := false
		for _, vr := range views {
			if vr.v == v {
				found = vr.ids[row] == id && vr.live.Contains(uint32(row))
			}
		}
		if !found {
			fail("Locate(%q) = segment %d row %d, which is not that document's live row", id, v.ID(), row)
		}
	}

	// Full scans of every column path.
	leaves := map[string]map[string]types.Value{} // id → path → leaf
	paths := map[string]bool{}
	kindCounts := map[string]*[types.NumKinds]uint64{}
	for id, doc := range m.docs {
		l := flatLeaves(doc)
		leaves[id] = l
		for p, v := range l {
			paths[p] = true
			if kindCounts[p] == nil {
				kindCounts[p] = new([types.NumKinds]uint64)
			}
			kindCounts[p][v.Kind()]++
		}
	}
	schema, err := s.Schema(ctx)
	if err != nil {
		fail("Schema: %v", err)
	}
	for _, f := range schema {
		paths[f.Path] = true
	}
	allPaths := make([]string, 0, len(paths)+1)
	allPaths = append(allPaths, FieldID)
	for p := range paths {
		if p != FieldID {
			allPaths = append(allPaths, p)
		}
	}
	slices.Sort(allPaths[1:])
	allPaths = append(allPaths, "no.such.path")
	scanned := 0
	// One scanner recycled from view to view, as query workers do; every
	// other view with its deleted rows left apart (DeletedApart).
	var prev *Scanner
	for vi, vr := range views {
		apart := vi%2 == 1
		sc := vr.v.NewScanner(ScanOptions{Paths: allPaths, Recycle: prev, DeletedApart: apart})
		prev = sc
		for {
			b, err := sc.Next(ctx)
			if err != nil {
				fail("scan segment %d: %v", vr.v.ID(), err)
			}
			if b == nil {
				break
			}
			dead := sc.Deleted()
			if !apart && len(dead) > 0 {
				fail("scan of segment %d: %d deleted rows left apart unasked", vr.v.ID(), len(dead))
			}
			for _, i := range dead {
				if vr.live.Contains(uint32(b.Start + i)) {
					fail("scan of segment %d: row %d left apart as deleted, which is live", vr.v.ID(), b.Start+i)
				}
			}
			visit := func(i int) {
				row := b.Start + i
				if slices.Contains(dead, i) {
					return
				}
				if !vr.live.Contains(uint32(row)) {
					fail("scan of segment %d selected row %d, which is not live", vr.v.ID(), row)
				}
				id := b.Vecs[0].Str[i]
				if id != vr.ids[row] {
					fail("scan of segment %d row %d: _id %q, ReadColumn said %q", vr.v.ID(), row, id, vr.ids[row])
				}
				want := leaves[id]
				for pi, p := range allPaths {
					got := b.Vecs[pi].Value(i)
					if w := want[p]; !sameValue(got, w) {
						fail("scan of segment %d row %d (_id %q) path %s: got %s, want %s", vr.v.ID(), row, id, p, show(got), show(w))
					}
				}
				scanned++
			}
			if b.Sel == nil {
				for i := 0; i < b.Length; i++ {
					visit(i)
				}
			} else {
				for _, i := range b.Sel {
					visit(i)
				}
			}
		}
	}
	if scanned != len(m.docs) {
		fail("scans returned %d live rows, model has %d documents", scanned, len(m.docs))
	}

	// Schema: kind counts per path over live documents.
	got := map[string]bool{}
	for _, f := range schema {
		got[f.Path] = true
		want := kindCounts[f.Path]
		if want == nil {
			fail("Schema has path %s with %v, which no document has", f.Path, f.Counts)
		}
		for k := types.KindNull; k < types.NumKinds; k++ {
			if f.Counts[k] != want[k] {
				fail("Schema path %s kind %s: %d, want %d (all: %v vs %v)", f.Path, k, f.Counts[k], want[k], f.Counts, *want)
			}
		}
		if u := uint64(len(m.docs)) - f.Total(); f.Counts[types.KindUndefined] != u {
			fail("Schema path %s: %d undefined, want %d (documents without the path)", f.Path, f.Counts[types.KindUndefined], u)
		}
	}
	for p := range kindCounts {
		if !got[p] {
			fail("Schema lacks path %s", p)
		}
	}

	// Inverted-index lookups against brute force.
	terms := map[string]map[string][]types.Value{} // ipath → id → values
	var ipaths []string
	for id, doc := range m.docs {
		for ip, vs := range indexTerms(doc) {
			if terms[ip] == nil {
				terms[ip] = map[string][]types.Value{}
				ipaths = append(ipaths, ip)
			}
			terms[ip][id] = vs
		}
	}
	slices.Sort(ipaths)
	ipaths = append(ipaths, "missing", "tags[*].nope")
	for range o.lookups {
		ip := ipaths[r.IntN(len(ipaths))]
		if r.IntN(4) == 0 {
			ip = [...]string{FieldID, FieldEventTime}[r.IntN(2)]
		}
		var vals []types.Value
		for _, vs := range terms[ip] {
			vals = append(vals, vs...)
			if len(vals) > 200 {
				break
			}
		}
		p := randomPredicate(r, g, vals)
		want := map[string]bool{}
		for id, vs := range terms[ip] {
			for _, v := range vs {
				if p.Match(v) {
					want[id] = true
					break
				}
			}
		}
		gotIDs := map[string]bool{}
		for _, vr := range views {
			bm, err := vr.v.Lookup(ctx, ip, p)
			if err != nil {
				fail("Lookup(%s %s) in segment %d: %v", ip, p, vr.v.ID(), err)
			}
			if !bm.IsEmpty() {
				if mx := bm.Maximum(); int(mx) >= vr.v.NumRows() {
					fail("Lookup(%s %s) in segment %d returned row %d of %d", ip, p, vr.v.ID(), mx, vr.v.NumRows())
				}
			}
			if extra := roaring.AndNot(bm, vr.live); !extra.IsEmpty() {
				fail("Lookup(%s %s) in segment %d returned rows that are not live: %v", ip, p, vr.v.ID(), extra.ToArray())
			}
			it := bm.Iterator()
			for it.HasNext() {
				gotIDs[vr.ids[it.Next()]] = true
			}
		}
		for id := range want {
			if !gotIDs[id] {
				fail("Lookup(%s %s) misses _id %q: %s", ip, p, id, showTerms(terms[ip][id]))
			}
		}
		for id := range gotIDs {
			if !want[id] {
				fail("Lookup(%s %s) returns _id %q, which does not match: %s", ip, p, id, showTerms(terms[ip][id]))
			}
		}
	}

	// Zone maps never exclude a block with a matching live row.
	colPaths := allPaths[:len(allPaths)-1]
	for _, vr := range views {
		nb := (vr.v.NumRows() + index.BlockRows - 1) / index.BlockRows
		for range o.zones {
			path := colPaths[r.IntN(len(colPaths))]
			if r.IntN(3) == 0 {
				path = FieldEventTime
			}
			var col vecBuf
			if err := vr.v.ReadColumn(path, 0, vr.v.NumRows(), &col.v); err != nil {
				fail("segment %d: read %s: %v", vr.v.ID(), path, err)
			}
			var vals []types.Value
			for i := 0; i < min(col.v.Len(), 200); i++ {
				if v := col.v.Value(i); v.Kind().IsScalar() && !v.IsUndefined() {
					vals = append(vals, v)
				}
			}
			p := randomPredicate(r, g, vals)
			zs := vr.v.Zones(path)
			if len(zs) != nb {
				fail("segment %d: %d zones for %s, %d blocks", vr.v.ID(), len(zs), path, nb)
			}
			blocks := map[int]bool{}
			for _, b := range vr.v.BlocksMatching(path, p) {
				blocks[b] = true
			}
			for i := 0; i < col.v.Len(); i++ {
				v := col.v.Value(i)
				if !vr.live.Contains(uint32(i)) || !index.Indexable(v) || !p.Match(v) {
					continue
				}
				if !blocks[i/index.BlockRows] {
					fail("segment %d: zone map of %s excludes block %d for %s, but row %d holds %s", vr.v.ID(), path, i/index.BlockRows, p, i, show(v))
				}
			}
		}
	}
}

func showTerms(vs []types.Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = show(v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sample[T any](r *rand.Rand, xs []T, n int) []T {
	if len(xs) <= n {
		return xs
	}
	out := make([]T, n)
	for i := range out {
		out[i] = xs[r.IntN(len(xs))]
	}
	return out
}

// liveIDs returns the _ids of a snapshot's live rows, sorted.
func liveIDs(t testing.TB, s *Snapshot) []string {
	t.Helper()
	var out []string
	for _, v := range s.Segments() {
		sc := v.NewScanner(ScanOptions{Paths: []string{FieldID}})
		for {
			b, err := sc.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			add := func(i int) { out = append(out, b.Vecs[0].Str[i]) }
			if b.Sel == nil {
				for i := 0; i < b.Length; i++ {
					add(i)
				}
			} else {
				for _, i := range b.Sel {
					add(i)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
