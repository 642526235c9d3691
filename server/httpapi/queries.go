package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// queryRequest is Rockset's QueryRequest: the SQL and its parameters,
// with timeout_ms, async and max_initial_results beside it, and the
// deprecated spellings Rockset still accepted (async_options.timeout_ms and
// .max_initial_results, sql.paginate with initial_paginate_response_doc_count).
type queryRequest struct {
	SQL               *querySQL `json:"sql"`
	TimeoutMS         *int64    `json:"timeout_ms"`
	Async             bool      `json:"async"`
	MaxInitialResults *int64    `json:"max_initial_results"`
	AsyncOptions      *struct {
		ClientTimeoutMS   *int64 `json:"client_timeout_ms"`
		TimeoutMS         *int64 `json:"timeout_ms"`
		MaxInitialResults *int64 `json:"max_initial_results"`
	} `json:"async_options"`
}

// querySQL is QueryRequest.sql.
type querySQL struct {
	Query           string           `json:"query"`
	Parameters      []queryParameter `json:"parameters"`
	DefaultRowLimit *int64           `json:"default_row_limit"`
	Paginate        bool             `json:"paginate"`
	InitialPageDocs *int64           `json:"initial_paginate_response_doc_count"`
}

// Rockset's defaults: a query times out after 2 minutes, an asynchronous
// one after 30; a paginated first answer and a page hold 10,000 documents.
const (
	defaultSyncTimeout  = 2 * time.Minute
	defaultAsyncTimeout = 30 * time.Minute
	defaultPageDocs     = 10_000
	maxPageDocs         = 100_000
)

// queryParameter is one named parameter; Value is a string converted by
// Type, as Rockset's clients send it, or a JSON number or boolean.
type queryParameter struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// queryErrorBody is a failed query's answer.
type queryErrorBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Line    *int   `json:"line"`
	Column  *int   `json:"column"`
	QueryID string `json:"query_id"`
	Code    string `json:"sqlstate"`
}

func newQueryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// spec validates the request and turns it into what the registry runs, with
// the client timeout of an asynchronous query.
func (req *queryRequest) spec() (querySpec, time.Duration, error) {
	bad := func(format string, args ...any) error {
		return &sqlerr.Error{Code: "22023", Message: fmt.Sprintf(format, args...)}
	}
	spec := querySpec{sql: req.SQL.Query, async: req.Async, rowLimit: -1, maxInitial: -1, timeout: defaultSyncTimeout}
	if req.Async {
		spec.timeout = defaultAsyncTimeout
	}
	var clientTimeout time.Duration
	timeout, maxInitial := req.TimeoutMS, req.MaxInitialResults
	if o := req.AsyncOptions; o != nil {
		if timeout == nil {
			timeout = o.TimeoutMS
		}
		if maxInitial == nil {
			maxInitial = o.MaxInitialResults
		}
		if o.ClientTimeoutMS != nil {
			if *o.ClientTimeoutMS < 0 {
				return spec, 0, bad("async_options.client_timeout_ms must not be negative")
			}
			clientTimeout = time.Duration(*o.ClientTimeoutMS) * time.Millisecond
		}
	}
	if maxInitial == nil && req.SQL.Paginate {
		n := int64(defaultPageDocs)
		if req.SQL.InitialPageDocs != nil {
			n = *req.SQL.InitialPageDocs
		}
		maxInitial = &n
	}
	if timeout != nil && *timeout > 0 {
		spec.timeout = time.Duration(*timeout) * time.Millisecond
	}
	if maxInitial != nil {
		if *maxInitial < 0 {
			return spec, 0, bad("max_initial_results must not be negative")
		}
		spec.maxInitial = *maxInitial
	}
	if l := req.SQL.DefaultRowLimit; l != nil && *l >= 0 {
		spec.rowLimit = *l
	}
	params, err := convertParams(req.SQL.Parameters)
	if err != nil {
		return spec, 0, err
	}
	spec.params = params
	return spec, clientTimeout, nil
}

// runQuery is Rockset's Execute SQL Query. A synchronous query answers when
// it finishes; it is tracked meanwhile, so that it can be listed and
// cancelled, and a client that goes away cancels it. An asynchronous query
// answers at once with its id and status (QUEUED or RUNNING), or with its
// full answer if it finishes within async_options.client_timeout_ms.
func (a *API) runQuery(w http.ResponseWriter, r *http.Request) {
	id := newQueryID()
	var req queryRequest
	if aerr := a.decodeBody(w, r, &req); aerr != nil {
		writeQueryError(w, id, &sqlerr.Error{Code: "22023", Message: aerr.Message}, "INVALIDINPUT")
		return
	}
	if req.SQL == nil || strings.TrimSpace(req.SQL.Query) == "" {
		writeQueryError(w, id, &sqlerr.Error{Code: "22023", Message: `the request needs "sql": {"query": "…"}`}, "INVALIDINPUT")
		return
	}
	spec, clientTimeout, err := req.spec()
	if err != nil {
		writeQueryError(w, id, err, "INVALIDINPUT")
		return
	}
	spec.id = id
	a.serveQuery(w, r, spec, clientTimeout)
}

// serveQuery submits a validated query and answers with its results, its
// error, or (asynchronous) its id and status: the one path every query
// takes, from POST /queries and from query lambdas. It returns what the
// answer reported.
func (a *API) serveQuery(w http.ResponseWriter, r *http.Request, spec querySpec, clientTimeout time.Duration) entrySnapshot {
	spec.principal = principalOf(r)
	e, aerr := a.queries.submit(spec)
	if aerr != nil {
		code := "53000" // insufficient_resources
		if aerr.Type == ErrUnavailable {
			code = "57P01" // admin_shutdown
		}
		err := &sqlerr.Error{Code: code, Message: aerr.Message}
		writeQueryError(w, spec.id, err, string(aerr.Type))
		return entrySnapshot{id: spec.id, state: stateError, err: err}
	}
	if a.queries.submitted != nil {
		a.queries.submitted(e)
	}
	switch {
	case !spec.async:
		select {
		case <-e.done:
		case <-r.Context().Done():
			a.queries.cancelEntry(e, errClientGone)
		}
	case clientTimeout > 0:
		t := time.NewTimer(clientTimeout)
		select {
		case <-e.done:
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	s := a.queries.snapshot(e)
	// Without client_timeout_ms an asynchronous query answers with its id
	// alone, even if it has already finished: what the client gets must not
	// depend on how fast the query ran.
	inline := !spec.async || clientTimeout > 0
	switch {
	case inline && s.state == stateCompleted:
		page := s.rows
		if spec.maxInitial >= 0 && int64(len(page)) > spec.maxInitial {
			page = page[:spec.maxInitial]
		}
		writeRaw(w, http.StatusOK, appendQueryResponse(nil, s, page))
	case inline && (s.state == stateError || s.state == stateCancelled):
		writeQueryError(w, s.id, s.err, "")
	default:
		// Still queued or running (or asynchronous): the id to poll, as
		// Rockset answers.
		b := append([]byte(`{"query_id":`), strconv.Quote(s.id)...)
		b = appendLambdaPath(b, s)
		b = append(b, `,"status":`...)
		b = strconv.AppendQuote(b, string(s.state))
		b = appendResponseStats(b, s)
		b = append(b, '}')
		writeRaw(w, http.StatusOK, b)
	}
	return s
}

// appendLambdaPath renders QueryResponse.query_lambda_path for a query a
// lambda ran: "ws.lambda::version", as Rockset answers.
func appendLambdaPath(b []byte, s entrySnapshot) []byte {
	if s.lambdaPath == "" {
		return b
	}
	b = append(b, `,"query_lambda_path":`...)
	return types.AppendJSONString(b, s.lambdaPath)
}

// appendQueryResponse renders a completed query's answer (Rockset's
// QueryResponse) with page as its results. A query whose results are kept
// gets a pagination block for the rest. The body is written by hand so that
// each result object keeps the SELECT list's column order.
func appendQueryResponse(b []byte, s entrySnapshot, page [][]types.Value) []byte {
	b = append(b, `{"query_id":`...)
	b = strconv.AppendQuote(b, s.id)
	b = appendLambdaPath(b, s)
	b = append(b, `,"status":"COMPLETED","collections":[`...)
	for i, c := range s.res.Collections {
		if i > 0 {
			b = append(b, ',')
		}
		b = types.AppendJSONString(b, c)
	}
	b = append(b, `],"results":`...)
	b = appendResults(b, s.res.Columns, page)
	b = append(b, `,"column_fields":[`...)
	for i, c := range s.res.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = types.AppendJSONString(b, c.Name)
		b = append(b, `,"type":`...)
		b = types.AppendJSONString(b, c.Type)
		b = append(b, '}')
	}
	b = append(b, `],"results_total_doc_count":`...)
	b = strconv.AppendInt(b, int64(s.total), 10)
	if s.kept {
		b = append(b, `,"pagination":`...)
		b = appendPagination(b, s.id, 0, len(page), len(s.rows))
	}
	b = appendResponseStats(b, s)
	b = append(b, `,"warnings":[]}`...)
	return b
}

// appendResponseStats renders QueryResponse.stats: execution time, and the
// time spent queued for a slot as throttled_time_micros.
func appendResponseStats(b []byte, s entrySnapshot) []byte {
	b = append(b, `,"stats":{"elapsed_time_ms":`...)
	b = strconv.AppendInt(b, s.running().Milliseconds(), 10)
	b = append(b, `,"throttled_time_micros":`...)
	b = strconv.AppendInt(b, s.queued().Microseconds(), 10)
	return append(b, '}')
}

// appendResults renders rows as a JSON array of objects, fields in column
// order; undefined values are left out.
func appendResults(b []byte, cols []sql.Column, rows [][]types.Value) []byte {
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		first := true
		for j, v := range r {
			if v.IsUndefined() {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = types.AppendJSONString(b, cols[j].Name)
			b = append(b, ':')
			b = types.AppendJSON(b, v)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// convertParams turns Rockset's typed parameters into values.
func convertParams(ps []queryParameter) (sql.Params, error) {
	out := sql.Params{Named: map[string]types.Value{}}
	for _, p := range ps {
		if p.Name == "" {
			return out, &sqlerr.Error{Code: "22023", Message: "a query parameter needs a name"}
		}
		v, err := paramValue(p)
		if err != nil {
			return out, err
		}
		out.Named[p.Name] = v
		out.Positional = append(out.Positional, v)
	}
	return out, nil
}

func paramValue(p queryParameter) (types.Value, error) {
	bad := func(format string, args ...any) error {
		return &sqlerr.Error{Code: "22023", Message: fmt.Sprintf("parameter %q: ", p.Name) + fmt.Sprintf(format, args...)}
	}
	raw := strings.TrimSpace(string(p.Value))
	if raw == "" || raw == "null" {
		return types.Null, nil
	}
	var val types.Value
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return val, bad("value is not valid JSON: %v", err)
		}
		val = types.String(s)
	} else {
		v, err := types.NewDecoder(types.Limits{}).Decode([]byte(raw))
		if err != nil {
			return val, bad("value is not valid JSON: %v", err)
		}
		if !v.Kind().IsScalar() {
			return v, nil
		}
		val = v
	}
	typ := strings.ToLower(p.Type)
	var target string
	switch typ {
	case "", "string":
		return val, nil
	case "int", "integer", "bigint":
		target = "int"
	case "float", "double", "number":
		target = "float"
	case "bool", "boolean":
		target = "bool"
	case "date":
		target = "date"
	case "datetime", "timestamp", "timestamptz":
		target = "timestamp"
	case "time":
		return val, nil
	default:
		return val, bad("unknown parameter type %q (int, float, bool, string, date, datetime, time, timestamp)", p.Type)
	}
	if target == "int" && val.Kind() == types.KindFloat && val.Float() != math.Trunc(val.Float()) {
		// A JSON number is taken as it is: an int parameter of 1.5 is a
		// mistake to report, not a value to round.
		return val, bad("%s is not a valid %s", val.JSON(), typ)
	}
	v, err := fn.Cast(val, target)
	if err != nil {
		return val, bad("%s is not a valid %s", val.JSON(), typ)
	}
	return v, nil
}

// queryError maps a query's error to its HTTP status and Rockset-shaped
// body, the one place query errors are classified: QUERY_TIMEOUT 408,
// QUERY_CANCELLED and QUERY_ERROR 400, INTERNALERROR 500; never 200. A
// non-empty typ overrides the type, with the status that goes with it.
func queryError(id string, err error, typ string) (int, queryErrorBody) {
	e := sqlerr.As(err)
	status := http.StatusBadRequest
	if typ == "" {
		typ = "QUERY_ERROR"
		switch {
		case e.Code == sqlerr.QueryCanceled && e.Timeout:
			typ, status = "QUERY_TIMEOUT", http.StatusRequestTimeout
		case e.Code == sqlerr.QueryCanceled, errors.Is(err, context.Canceled):
			typ = "QUERY_CANCELLED"
		case e.Code == sqlerr.Internal:
			typ, status = "INTERNALERROR", http.StatusInternalServerError
		case e.Code == sqlerr.InsufficientPrivilege:
			typ, status = string(ErrForbidden), http.StatusForbidden
		}
	} else if st, ok := statusOf[ErrorType(typ)]; ok {
		status = st
	}
	body := queryErrorBody{Message: e.Message, Type: typ, QueryID: id, Code: e.Code}
	if e.Line > 0 {
		line, col := e.Line, e.Column
		body.Line, body.Column = &line, &col
	}
	return status, body
}

// writeQueryError answers a failed query.
func writeQueryError(w http.ResponseWriter, id string, err error, typ string) {
	status, body := queryError(id, err, typ)
	b, _ := json.Marshal(body)
	writeRaw(w, status, b)
}
