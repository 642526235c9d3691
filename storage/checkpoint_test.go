package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestCheckpointsCommitWithDocuments writes batches that each carry a
// source position, crashes the file system at random points (unsynced data
// lost) and checks after every restart that the recovered position and the
// recovered documents agree: the position always counts exactly the
// documents present, whatever survived.
func TestCheckpointsCommitWithDocuments(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 9))
	mem := vfs.NewCrashableMem()
	e := openTestEngine(t, mem)
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	const src = "kafka/s1/0"
	next := 0
	for round := 0; round < 8; round++ {
		ck, err := e.Checkpoints("commons", "k", "kafka/s1/")
		if err != nil {
			t.Fatal(err)
		}
		pos := 0
		if v, ok := ck[src]; ok {
			pos, _ = strconv.Atoi(string(v))
		}
		st, err := e.Stats("commons", "k")
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(pos - (pos+6)/7); st.DocCount != want {
			t.Fatalf("round %d: position %d means %d documents, found %d", round, pos, want, st.DocCount)
		}
		if pos > next {
			t.Fatalf("round %d: position %d beyond what was written (%d)", round, pos, next)
		}
		next = pos // replay from the committed position, as a source does
		for b := 0; b < 1+rng.IntN(6); b++ {
			n := 1 + rng.IntN(40)
			ops := make([]WriteOp, n)
			for i := range ops {
				// One op in seven is invalid: it is consumed, not stored.
				doc := fmt.Sprintf(`{"_id":"r%d","n":%d}`, next+i, next+i)
				if (next+i)%7 == 0 {
					doc = fmt.Sprintf(`{"_id":{"bad":%d}}`, next+i)
				}
				ops[i] = WriteOp{Doc: mustDoc(t, doc)}
			}
			next += n
			if _, _, err := e.WriteAt(ctx, "commons", "k", ops, []Checkpoint{{Source: src, Value: []byte(strconv.Itoa(next))}}); err != nil {
				t.Fatal(err)
			}
		}
		crashed := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(100), RNG: rand.New(rand.NewPCG(rng.Uint64(), 1))})
		e.Close()
		mem = crashed
		e = openTestEngine(t, mem)
	}
	// Other sources' positions are separate, and deleting by prefix
	// forgets only those.
	if _, _, err := e.WriteAt(ctx, "commons", "k", nil, []Checkpoint{{Source: "kafka/s2/3", Value: []byte("42")}}); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteCheckpoints(ctx, "commons", "k", "kafka/s1/"); err != nil {
		t.Fatal(err)
	}
	ck, err := e.Checkpoints("commons", "k", "kafka/")
	if err != nil {
		t.Fatal(err)
	}
	if len(ck) != 1 || string(ck["kafka/s2/3"]) != "42" {
		t.Fatalf("after delete: %q", ck)
	}
	e.Close()
}

// TestWriteAtCollectionByID: a write by a dropped collection's record
// fails with ErrNotFound, and writes nothing, even once a collection of the
// same name exists again.
func TestWriteAtCollectionByID(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	old, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	doc := WriteOp{Kind: OpUpsert, Doc: mustDoc(t, `{"_id":"a"}`)}
	ck := []Checkpoint{{Source: "s/0", Value: []byte("1")}}
	if _, _, err := e.WriteAtCollection(ctx, old, []WriteOp{doc}, ck); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DropCollection("commons", "k"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.WriteAtCollection(ctx, old, []WriteOp{doc}, ck); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("write to the dropped collection: %v", err)
	}
	cur, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.WriteAtCollection(ctx, old, []WriteOp{doc}, ck); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("write by the dropped collection's record to its successor: %v", err)
	}
	if st, err := e.Stats("commons", "k"); err != nil || st.DocCount != 0 {
		t.Fatalf("the successor holds %+v (%v)", st, err)
	}
	if cks, err := e.Checkpoints("commons", "k", ""); err != nil || len(cks) != 0 {
		t.Fatalf("the successor has checkpoints %v (%v)", cks, err)
	}
	if _, _, err := e.WriteAtCollection(ctx, cur, []WriteOp{doc}, ck); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointFromResults: a checkpoint made from the results of its
// request's operations sees the failures the commit finds (a REPLACE of a
// missing _id, an INSERT of an existing one) as well as those found
// before, and commits with them; a nil value leaves the checkpoint as it
// was, and Delete removes it.
func TestCheckpointFromResults(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	failed := func(res []WriteResult) []byte {
		var out []byte
		for i, r := range res {
			if r.Err != nil {
				out = fmt.Appendf(out, "%d %s;", i, r.Err.Type)
			}
		}
		return out
	}
	write := func(ops []WriteOp, cks ...Checkpoint) {
		t.Helper()
		if _, _, err := e.WriteAt(ctx, "commons", "k", ops, cks); err != nil {
			t.Fatal(err)
		}
	}
	get := func() string {
		t.Helper()
		ck, err := e.Checkpoints("commons", "k", "s/failed")
		if err != nil {
			t.Fatal(err)
		}
		v, ok := ck["s/failed"]
		if !ok {
			return "(none)"
		}
		return string(v)
	}
	write([]WriteOp{
		{Doc: mustDoc(t, `{"_id":"a"}`)},
		{Kind: OpReplace, Doc: mustDoc(t, `{"_id":"zz"}`)},
		{Kind: OpInsert, Doc: mustDoc(t, `{"_id":"a"}`)},
		{Doc: mustDoc(t, `{"_id":{"bad":1}}`)},
	}, Checkpoint{Source: "s/0", Value: []byte("4")}, Checkpoint{Source: "s/failed", Results: failed})
	if got, want := get(), "1 NOTFOUND;2 ALREADYEXISTS;3 INVALIDINPUT;"; got != want {
		t.Fatalf("checkpoint %q, want %q", got, want)
	}
	write([]WriteOp{{Doc: mustDoc(t, `{"_id":"b"}`)}}, Checkpoint{Source: "s/failed", Results: failed})
	if got, want := get(), "1 NOTFOUND;2 ALREADYEXISTS;3 INVALIDINPUT;"; got != want {
		t.Fatalf("after a write without failures: checkpoint %q, want %q", got, want)
	}
	write(nil, Checkpoint{Source: "s/failed", Delete: true})
	if got := get(); got != "(none)" {
		t.Fatalf("after Delete: checkpoint %q", got)
	}
	if ck, err := e.Checkpoints("commons", "k", "s/"); err != nil || len(ck) != 1 || string(ck["s/0"]) != "4" {
		t.Fatalf("checkpoints %q (%v)", ck, err)
	}
}

// TestSubmitPreparedInOrder queues several prepared writes of one stream
// before waiting for any: they commit in the order they were queued, so
// the last position stands, and a document without an _id takes the one
// its operation carries.
func TestSubmitPreparedInOrder(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	col, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var queued []*PendingCommit
	for b := range 6 {
		ops := []WriteOp{
			{Doc: mustDoc(t, fmt.Sprintf(`{"n":%d}`, b)), ID: fmt.Sprintf("derived-%d", b)},
			// The document's own _id wins over the operation's.
			{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"own-%d","n":%d}`, b, b)), ID: "unused"},
		}
		pw, err := e.PrepareAtCollection(col, ops)
		if err != nil {
			t.Fatal(err)
		}
		var after *PendingCommit
		if len(queued) > 0 {
			after = queued[len(queued)-1]
		}
		pc, err := e.SubmitPrepared(ctx, pw, []Checkpoint{{Source: "file/x", Value: []byte(strconv.Itoa(b))}}, after)
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, pc)
	}
	var lastSeq uint64
	for b, pc := range queued {
		res, seq, err := pc.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if seq < lastSeq {
			t.Fatalf("write %d committed at %d, before the write queued ahead of it (%d)", b, seq, lastSeq)
		}
		lastSeq = seq
		if res[0].ID != fmt.Sprintf("derived-%d", b) || res[0].Status != StatusAdded || res[1].ID != fmt.Sprintf("own-%d", b) {
			t.Fatalf("write %d: results %+v", b, res)
		}
	}
	ck, err := e.Checkpoints("commons", "k", "file/")
	if err != nil || string(ck["file/x"]) != "5" {
		t.Fatalf("position %q (%v), want the last queued, 5", ck["file/x"], err)
	}
	if st, _ := e.Stats("commons", "k"); st.DocCount != 12 {
		t.Fatalf("%d documents, want 12", st.DocCount)
	}
	other, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	pw, err := e.PrepareAtCollection(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SubmitPrepared(ctx, pw, nil, queued[0]); err == nil {
		t.Fatal("a write ordered after a write to another collection was queued")
	}
}

// TestFailOrphans: a request queued after one that failed fails with it,
// and so does the request queued after that one, in the same group; a
// request after one that committed goes on.
func TestFailOrphans(t *testing.T) {
	req := func(after *writeReq) *writeReq { return &writeReq{done: make(chan struct{}), after: after} }
	failed := req(nil)
	failed.err = errors.New("disk full")
	committed := req(nil)
	r1 := req(failed)
	r2 := req(r1)
	r3 := req(committed)
	r4 := req(nil)
	c := &collection{}
	kept := c.failOrphans([]*writeReq{r1, r2, r3, r4})
	if len(kept) != 2 || kept[0] != r3 || kept[1] != r4 {
		t.Fatalf("kept %v, want r3 and r4", kept)
	}
	for i, r := range []*writeReq{r1, r2} {
		select {
		case <-r.done:
		default:
			t.Fatalf("r%d was not answered", i+1)
		}
		if r.err == nil || !errors.Is(r.err, failed.err) {
			t.Fatalf("r%d: error %v, want the predecessor's", i+1, r.err)
		}
	}
	for _, r := range []*writeReq{r1, r2, r3, r4} {
		if r.after != nil {
			t.Fatal("a request still holds its predecessor")
		}
	}
}
