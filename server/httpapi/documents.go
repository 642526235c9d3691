package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// docElem is one element of a request's "data" array: a decoded value, or
// why it could not be decoded.
type docElem struct {
	v   types.Value
	err error
	// id is the _id of an element that could not be decoded, when it
	// could be found (failedID); "" otherwise.
	id string
}

// failedID returns the _id of a document the decoder refused, so that its
// error result names it as a valid document's does: its top-level _id when
// that is a string or a number, normalised as NormalizeID normalises valid
// documents' ids; "" when there is none or it is not acceptable.
func failedID(raw []byte) string {
	v, ok := types.ScalarMember(raw, storage.FieldID)
	if !ok {
		return ""
	}
	id, err := storage.NormalizeID(v)
	if err != nil {
		return ""
	}
	return id
}

// parseData reads a body of the form {"data": [...], ...}. A body that is not
// JSON, or has no data array, is an error for the whole request; an element
// that is well-formed JSON but breaks a document limit is an error for that
// element only. each, when set, is given every element as soon as it is
// decoded. half, when set, lets a large data array be decoded in two halves
// (halfparse.go): each then sees only the first half's elements, and
// half.each the second's.
func parseData(body []byte, dec *types.Decoder, each func(i int, el docElem), half *secondHalf) ([]docElem, *APIError) {
	var elems []docElem
	found := false
	var spec *speculation
	split := false
	defer func() {
		if spec != nil {
			spec.cancel()
		}
	}()
	end, err := dec.ScanObject(body, 0, func(name string, at int) (int, error) {
		if name != "data" {
			return types.SkipValue(body, at)
		}
		if at >= len(body) || body[at] != '[' {
			return at, &types.SyntaxError{Offset: at, Msg: "field data must be an array"}
		}
		found = true
		if !split {
			split = true // one data array at most is split
			spec = startHalf(body, at, half)
		}
		return types.ScanArray(body, at, func(_, start int) (int, error) {
			if spec != nil && start >= spec.start {
				s := spec
				spec = nil
				if start > s.start {
					s.cancel() // the guess was not an element's start
				} else if r, ok := s.take(); ok {
					half.join(len(elems), r.elems)
					elems = append(elems, r.elems...)
					return r.end, nil
				}
			}
			v, end, err := dec.DecodeAt(body, start)
			var de *types.DocError
			el := docElem{v: v}
			if errors.As(err, &de) {
				el = docElem{err: de, id: failedID(body[start:end])}
			} else if err != nil {
				return start, err
			}
			if each != nil {
				each(len(elems), el)
			}
			elems = append(elems, el)
			return end, nil
		})
	})
	if err != nil {
		return nil, apiError(ErrInvalidInput, "malformed request body: "+err.Error())
	}
	if end = types.SkipSpace(body, end); end != len(body) {
		return nil, apiError(ErrInvalidInput, fmt.Sprintf("malformed request body: unexpected data after the object at byte %d", end))
	}
	if !found {
		return nil, apiError(ErrInvalidInput, `request body must have a "data" array`)
	}
	return elems, nil
}

// readDocs reads and decodes a documents request. The values alias the
// body and the decoders' memory: call done once nothing uses them any more.
// half, when set, may decode the second half of a large request
// (parseData); its decoder is readDocs's to set.
func (a *API) readDocs(w http.ResponseWriter, r *http.Request, each func(i int, el docElem), half *secondHalf) (elems []docElem, done func(), aerr *APIError) {
	body, aerr := a.readBody(w, r)
	if aerr != nil {
		return nil, func() {}, aerr
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, func() {}, apiError(ErrInvalidInput, `request body is empty; expected {"data": [...]}`)
	}
	dec := a.decoder()
	done = func() { a.releaseDecoder(dec) }
	decoding := a.decoding.Add(1)
	defer a.decoding.Add(-1)
	if half != nil && len(body) >= halfMinBytes && decoding < int64(runtime.GOMAXPROCS(0)) {
		half.dec = a.decoder()
		done = func() {
			a.releaseDecoder(dec)
			a.releaseDecoder(half.dec)
		}
	} else {
		half = nil
	}
	elems, aerr = parseData(body, dec, each, half)
	return elems, done, aerr
}

func (a *API) decoder() *types.Decoder {
	if dec, _ := a.decoders.Get().(*types.Decoder); dec != nil {
		return dec
	}
	return types.NewDecoder(a.limits)
}

func (a *API) releaseDecoder(dec *types.Decoder) {
	dec.Reset()
	a.decoders.Put(dec)
}

// maxPresizedOps bounds the operations writeDocs makes room for ahead.
const maxPresizedOps = 16384

// writeDocs reads a documents request, turns each element into an
// operation with toOp, and writes them. Each operation is prepared as soon
// as its element is decoded (storage.PreparedWrite.Add), the second half of
// a large request's on a goroutine of its own (parseData).
func (a *API) writeDocs(w http.ResponseWriter, r *http.Request, toOp func(i int, el docElem) storage.WriteOp) {
	ws, coll := r.PathValue("ws"), r.PathValue("coll")
	// A body that does not parse is reported before a collection that
	// does not exist.
	pw, perr := a.eng.NewPreparedWrite(ws, coll)
	var each func(i int, el docElem)
	var half *secondHalf
	if perr == nil {
		// About one operation a KiB of body: event documents are a
		// kilobyte or so (RockBench's 1.3 KB).
		pw.Grow(int(min(max(r.ContentLength, 0)/1024, maxPresizedOps)))
		each = func(i int, el docElem) { pw.Add(toOp(i, el)) }
		if r.ContentLength < 0 || r.ContentLength >= int64(halfMinBytes) {
			half = preparedHalf(pw, toOp) // a body that may be split
		}
	}
	_, done, aerr := a.readDocs(w, r, each, half)
	// The engine is done with the documents when the write returns.
	defer done()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if perr != nil {
		writeError(w, classify(perr))
		return
	}
	results, seq, err := a.eng.CommitPrepared(r.Context(), pw, nil)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeResults(w, coll, results, seq)
}

// preparedHalf prepares a second half of a request into a fork of pw,
// joined to pw when the first half reaches it. The operations that failed
// are made again then: their error messages count elements from the start
// of the array.
func preparedHalf(pw *storage.PreparedWrite, toOp func(i int, el docElem) storage.WriteOp) *secondHalf {
	var fork *storage.PreparedWrite
	var failed []int
	return &secondHalf{
		// Once the body is read: the fork takes pw's ingest time.
		begin: func() { fork = pw.Fork() },
		each: func(i int, el docElem) {
			op := toOp(i, el)
			if op.Err != nil {
				failed = append(failed, i)
			}
			fork.Add(op)
		},
		join: func(first int, elems []docElem) {
			for _, i := range failed {
				fork.Redo(i, toOp(first+i, elems[i]))
			}
			pw.Join(fork)
		},
	}
}

func (a *API) addDocuments(w http.ResponseWriter, r *http.Request) {
	tr, aerr := a.transformOf(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if tr != nil {
		a.writeTransformed(w, r, tr)
		return
	}
	a.writeDocs(w, r, addOp)
}

func addOp(i int, el docElem) storage.WriteOp {
	if el.err != nil {
		return storage.WriteOp{ID: el.id, Err: fmt.Errorf("document %d: %w", i, el.err)}
	}
	kind, err := storage.OpFromDocument(el.v)
	if el.v.Kind() != types.KindObject {
		err = fmt.Errorf("document %d: a document must be a JSON object, got %s", i, el.v.Kind())
	}
	op := storage.WriteOp{Kind: kind, Doc: el.v, Err: err}
	if err != nil && el.v.Kind() == types.KindObject {
		// Name the document in its error result when it has an _id.
		op.ID, _ = storage.NormalizeID(el.v.Get(storage.FieldID))
	}
	return op
}

func (a *API) patchDocuments(w http.ResponseWriter, r *http.Request) {
	if aerr := a.refuseRollup(r, "patched"); aerr != nil {
		writeError(w, aerr)
		return
	}
	a.writeDocs(w, r, patchOp)
}

func patchOp(i int, el docElem) storage.WriteOp {
	op := storage.WriteOp{Kind: storage.OpPatch}
	if el.err != nil {
		op.ID = el.id
		op.Err = fmt.Errorf("patch %d: %w", i, el.err)
	} else if id, patch, err := patchOf(el.v); err != nil {
		op.ID = id
		op.Err = fmt.Errorf("patch %d: %w", i, err)
	} else {
		op.ID, op.Patch = id, patch
	}
	return op
}

// patchOf reads {"_id": ..., "patch": [{"op", "path", "value", "from"}]}.
func patchOf(v types.Value) (string, []types.PatchOp, error) {
	if v.Kind() != types.KindObject {
		return "", nil, fmt.Errorf("expected an object with _id and patch, got %s", v.Kind())
	}
	idv := v.Get(storage.FieldID)
	if idv.IsUndefined() {
		return "", nil, fmt.Errorf("field _id is required")
	}
	id, err := storage.NormalizeID(idv)
	if err != nil {
		return "", nil, err
	}
	pv := v.Get("patch")
	if pv.Kind() != types.KindArray {
		return id, nil, fmt.Errorf("field patch must be an array of operations, got %s", pv.Kind())
	}
	ops := make([]types.PatchOp, 0, pv.Len())
	for j, o := range pv.Elems() {
		if o.Kind() != types.KindObject {
			return id, nil, fmt.Errorf("patch operation %d must be an object, got %s", j, o.Kind())
		}
		var op types.PatchOp
		for _, f := range []struct {
			name string
			dst  *string
			req  bool
		}{{"op", &op.Op, true}, {"path", &op.Path, true}, {"from", &op.From, false}} {
			fv := o.Get(f.name)
			switch {
			case fv.Kind() == types.KindString:
				*f.dst = fv.Str()
			case fv.IsUndefined() && !f.req:
			default:
				return id, nil, fmt.Errorf("patch operation %d: field %s must be a string, got %s", j, f.name, fv.Kind())
			}
		}
		op.Value = o.Get("value")
		ops = append(ops, op)
	}
	return id, ops, nil
}

func (a *API) deleteDocuments(w http.ResponseWriter, r *http.Request) {
	if aerr := a.refuseRollup(r, "deleted"); aerr != nil {
		writeError(w, aerr)
		return
	}
	a.writeDocs(w, r, deleteOp)
}

func deleteOp(i int, el docElem) storage.WriteOp {
	op := storage.WriteOp{Kind: storage.OpDelete}
	switch {
	case el.err != nil:
		op.ID = el.id
		op.Err = fmt.Errorf("document %d: %w", i, el.err)
	case el.v.Kind() != types.KindObject:
		op.Err = fmt.Errorf("document %d: expected an object with _id, got %s", i, el.v.Kind())
	default:
		idv := el.v.Get(storage.FieldID)
		if idv.IsUndefined() {
			op.Err = fmt.Errorf("document %d: field _id is required", i)
		} else if id, err := storage.NormalizeID(idv); err != nil {
			op.Err = fmt.Errorf("document %d: %w", i, err)
		} else {
			op.ID = id
		}
	}
	return op
}

// writeResults answers a write with one status per document, in order.
func writeResults(w http.ResponseWriter, coll string, results []storage.WriteResult, seq uint64) {
	// Built by hand: at ingest rates encoding/json's reflection shows in
	// profiles of this path.
	buf := make([]byte, 0, 64+len(results)*96)
	buf = append(buf, `{"data":[`...)
	for i, res := range results {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"_collection":`...)
		buf = types.AppendJSONString(buf, coll)
		buf = append(buf, `,"_id":`...)
		if res.ID == "" {
			buf = append(buf, "null"...)
		} else {
			buf = types.AppendJSONString(buf, res.ID)
		}
		buf = append(buf, `,"status":"`...)
		buf = append(buf, res.Status.String()...)
		buf = append(buf, `","error":`...)
		if res.Err == nil {
			buf = append(buf, "null"...)
		} else {
			buf = append(buf, `{"type":`...)
			buf = types.AppendJSONString(buf, string(res.Err.Type))
			buf = append(buf, `,"message":`...)
			buf = types.AppendJSONString(buf, res.Err.Message)
			buf = append(buf, '}')
		}
		buf = append(buf, `,"patch_id":null}`...)
	}
	buf = append(buf, `],"last_offset":`...)
	buf = types.AppendJSONString(buf, "f1:"+strconv.FormatUint(seq, 10))
	buf = append(buf, '}')
	writeRaw(w, http.StatusOK, buf)
}
