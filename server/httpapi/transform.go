package httpapi

import (
	"fmt"
	"net/http"

	"github.com/basaltdb/basalt/ingest/transform"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// transformOf returns the field mapping query of the request's collection,
// or nil when it has none or does not exist (the write reports that).
func (a *API) transformOf(r *http.Request) (*transform.Transform, *APIError) {
	col, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll"))
	if err != nil {
		return nil, nil
	}
	tr, err := a.transforms.ForCollection(col)
	if err != nil {
		// Validated at creation; a query that no longer compiles (after
		// an upgrade) must not be bypassed.
		return nil, apiError(ErrInternal, fmt.Sprintf("collection %q: %v", col.Name, err))
	}
	return tr, nil
}

// refuseRollup refuses patches and deletes of a rollup collection: its
// documents are aggregates its field mapping query maintains.
func (a *API) refuseRollup(r *http.Request, verb string) *APIError {
	tr, aerr := a.transformOf(r)
	if aerr != nil {
		return aerr
	}
	if tr != nil && tr.IsRollup() {
		return apiError(ErrInvalidInput, fmt.Sprintf("collection %q is a rollup: its documents are aggregates maintained by its field_mapping_query and cannot be %s; add documents with POST …/docs", r.PathValue("coll"), verb))
	}
	return nil
}

// writeTransformed writes a documents request through the collection's
// field mapping query. Every element gets a result in order: a document
// the query's WHERE drops is SKIPPED, one it fails on is an ERROR, and the
// documents of a rollup group share the group document's result.
func (a *API) writeTransformed(w http.ResponseWriter, r *http.Request, tr *transform.Transform) {
	elems, done, aerr := a.readDocs(w, r, nil, nil)
	defer done()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	docs := make([]types.Value, 0, len(elems))
	for _, el := range elems {
		if el.err == nil {
			docs = append(docs, el.v)
		}
	}
	b := tr.Apply(r.Context(), docs)
	ops := b.Ops
	// Elements that did not decode fail after the transformed ops.
	bad := make([]int, len(elems))
	for i, el := range elems {
		if el.err != nil {
			bad[i] = len(ops)
			ops = append(ops, storage.WriteOp{ID: el.id, Err: fmt.Errorf("document %d: %w", i, el.err)})
		}
	}
	res, seq, err := a.eng.Write(r.Context(), r.PathValue("ws"), r.PathValue("coll"), ops)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	per := b.Results(res[:len(b.Ops)])
	out := make([]storage.WriteResult, len(elems))
	j := 0
	for i, el := range elems {
		if el.err != nil {
			out[i] = res[bad[i]]
			continue
		}
		out[i] = per[j]
		if out[i].Status == storage.StatusSkipped {
			out[i].ID, _ = storage.NormalizeID(docs[j].Get(storage.FieldID))
		}
		j++
	}
	writeResults(w, r.PathValue("coll"), out, seq)
}
