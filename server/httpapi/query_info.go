package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// queryInfo is Rockset's QueryInfo: what GET, DELETE and the list of active
// queries answer about a query.
type queryInfo struct {
	QueryID     string           `json:"query_id"`
	Status      queryState       `json:"status"`
	SQL         string           `json:"sql"`
	SubmittedAt string           `json:"submitted_at"`
	ExpiresAt   string           `json:"expires_at,omitempty"`
	Pagination  *infoPagination  `json:"pagination,omitempty"`
	QueryErrors []queryErrorInfo `json:"query_errors,omitempty"`
	Stats       queryInfoStats   `json:"stats"`
}

// infoPagination is Rockset's Pagination: where the results start.
type infoPagination struct {
	StartCursor string `json:"start_cursor"`
}

// queryErrorInfo is Rockset's QueryError, with the status the error would
// have been answered with.
type queryErrorInfo struct {
	Message    string `json:"message"`
	StatusCode int    `json:"status_code"`
	Type       string `json:"type"`
}

// queryInfoStats is Rockset's Stats: elapsed time includes the time queued
// for a slot, which throttled_time_ms reports alone.
type queryInfoStats struct {
	ElapsedTimeMS          int64  `json:"elapsed_time_ms"`
	ThrottledTimeMS        int64  `json:"throttled_time_ms"`
	ResultSetDocumentCount *int64 `json:"result_set_document_count,omitempty"`
}

func infoOf(s entrySnapshot) queryInfo {
	in := queryInfo{
		QueryID: s.id, Status: s.state, SQL: s.sql, SubmittedAt: isoTime(s.submitted),
		Stats: queryInfoStats{ElapsedTimeMS: s.elapsed().Milliseconds(), ThrottledTimeMS: s.queued().Milliseconds()},
	}
	switch s.state {
	case stateCompleted:
		n := int64(len(s.rows))
		in.Stats.ResultSetDocumentCount = &n
		if s.kept {
			in.ExpiresAt = isoTime(s.expires)
			in.Pagination = &infoPagination{StartCursor: encodeCursor(s.id, 0)}
		}
	case stateError, stateCancelled:
		status, body := queryError(s.id, s.err, "")
		in.QueryErrors = []queryErrorInfo{{Message: body.Message, StatusCode: status, Type: body.Type}}
	}
	return in
}

func queryNotFound(id string) *APIError {
	return apiError(ErrNotFound, "query "+strconv.Quote(id)+" not found: it never ran here, or its results expired")
}

// getQuery is Rockset's Retrieve Query: {"data": QueryInfo}.
func (a *API) getQuery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("queryId")
	e, ok := a.queries.get(id)
	if !ok || !seesQuery(principalOf(r), e) {
		writeError(w, queryNotFound(id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": infoOf(a.queries.snapshot(e))})
}

// cancelQuery is Rockset's Cancel Query: a queued or running query is
// CANCELLED at once (a synchronous request waiting for it answers
// QUERY_CANCELLED); a finished one is answered as it is.
func (a *API) cancelQuery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("queryId")
	e, ok := a.queries.get(id)
	if !ok || !seesQuery(principalOf(r), e) {
		writeError(w, queryNotFound(id))
		return
	}
	a.queries.cancelEntry(e, errCancelRequested)
	writeJSON(w, http.StatusOK, map[string]any{"data": infoOf(a.queries.snapshot(e))})
}

// listQueries is Rockset's List Queries: the queued and running ones.
func (a *API) listQueries(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	entries := a.queries.list()
	out := make([]queryInfo, 0, len(entries))
	for _, e := range entries {
		if !seesQuery(p, e) {
			continue
		}
		out = append(out, infoOf(a.queries.snapshot(e)))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// queryPages is Rockset's Retrieve Query Results Page: docs documents
// (default 10,000, at most 100,000) from cursor (default: the first) plus
// offset, rendered as the query's own answer renders them.
func (a *API) queryPages(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("queryId")
	e, ok := a.queries.get(id)
	if !ok || !seesQuery(principalOf(r), e) {
		writeError(w, queryNotFound(id))
		return
	}
	s := a.queries.snapshot(e)
	switch s.state {
	case stateCompleted:
	case stateError, stateCancelled:
		writeQueryError(w, id, s.err, "")
		return
	default:
		writeError(w, apiError(ErrInvalidInput, "query "+strconv.Quote(id)+" is "+string(s.state)+": its results can be fetched once it is COMPLETED"))
		return
	}
	q := r.URL.Query()
	cursor := r.PathValue("cursor")
	if c := q.Get("cursor"); c != "" {
		cursor = c
	}
	start := 0
	if cursor != "" {
		off, ok := decodeCursor(id, cursor)
		if !ok || off > len(s.rows) {
			writeError(w, apiError(ErrInvalidInput, "cursor "+strconv.Quote(cursor)+" is not a cursor of query "+strconv.Quote(id)))
			return
		}
		start = off
	}
	offset, aerr := intParam(q.Get("offset"), "offset", 0, 0, 1_000_000_000)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	docs, aerr := intParam(q.Get("docs"), "docs", defaultPageDocs, 0, maxPageDocs)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	start = min(start+offset, len(s.rows))
	end := min(start+docs, len(s.rows))
	b := append([]byte(nil), `{"results":`...)
	b = appendResults(b, s.res.Columns, s.rows[start:end])
	b = append(b, `,"results_total_doc_count":`...)
	b = strconv.AppendInt(b, int64(s.total), 10)
	b = append(b, `,"pagination":`...)
	b = appendPagination(b, id, start, end-start, len(s.rows))
	b = append(b, '}')
	writeRaw(w, http.StatusOK, b)
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, *APIError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, apiError(ErrInvalidInput, name+" must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+", not "+strconv.Quote(v))
	}
	return n, nil
}

// appendPagination renders Rockset's PaginationInfo for a page of n
// documents from start out of total; next_cursor is null after the last.
func appendPagination(b []byte, id string, start, n, total int) []byte {
	b = append(b, `{"start_cursor":`...)
	b = strconv.AppendQuote(b, encodeCursor(id, start))
	b = append(b, `,"current_page_doc_count":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	if next := start + n; next < total {
		b = append(b, `,"next_cursor":`...)
		b = strconv.AppendQuote(b, encodeCursor(id, next))
		b = append(b, `,"next_cursor_offset":`...)
		b = strconv.AppendInt(b, int64(next), 10)
	} else {
		b = append(b, `,"next_cursor":null`...)
	}
	return append(b, '}')
}

// A cursor is opaque to clients, as Rockset's are: the query id and a
// document offset, so a cursor of another query is refused.
func encodeCursor(id string, off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id + ":" + strconv.Itoa(off)))
}

func decodeCursor(id, c string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	qid, off, ok := strings.Cut(string(raw), ":")
	if !ok || qid != id {
		return 0, false
	}
	n, err := strconv.Atoi(off)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
