package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
// with timeout_ms, async and max_initial_results beside it.
type queryRequest struct {
	SQL *struct {
		Query           string           `json:"query"`
		Parameters      []queryParameter `json:"parameters"`
		DefaultRowLimit *int64           `json:"default_row_limit"`
	} `json:"sql"`
	TimeoutMS         *int64 `json:"timeout_ms"`
	Async             bool   `json:"async"`
	MaxInitialResults *int64 `json:"max_initial_results"`
}

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
	if req.Async {
		writeQueryError(w, id, &sqlerr.Error{Code: sqlerr.FeatureNotSupported, Message: "async queries are not implemented yet"}, "NOTIMPLEMENTEDYET")
		return
	}
	params, err := convertParams(req.SQL.Parameters)
	if err != nil {
		writeQueryError(w, id, err, "INVALIDINPUT")
		return
	}
	limits := sql.Limits{Timeout: 2 * time.Minute, MemoryBytes: 2 << 30}
	if req.TimeoutMS != nil && *req.TimeoutMS > 0 {
		limits.Timeout = time.Duration(*req.TimeoutMS) * time.Millisecond
	}
	sess := sql.NewSession(a.eng, limits)
	start := time.Now()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	res, err := sess.Query(ctx, req.SQL.Query, params)
	if err != nil {
		writeQueryError(w, id, err, "")
		return
	}
	rows := res.Rows
	total := len(rows)
	if req.SQL.DefaultRowLimit != nil && *req.SQL.DefaultRowLimit >= 0 && int64(len(rows)) > *req.SQL.DefaultRowLimit {
		rows = rows[:*req.SQL.DefaultRowLimit]
	}
	if req.MaxInitialResults != nil && *req.MaxInitialResults >= 0 && int64(len(rows)) > *req.MaxInitialResults {
		rows = rows[:*req.MaxInitialResults]
	}
	elapsed := time.Since(start)
	// The body is written by hand so that each result object keeps the
	// SELECT list's column order.
	b := make([]byte, 0, 256+64*len(rows)*len(res.Columns))
	b = append(b, `{"query_id":`...)
	b = strconv.AppendQuote(b, id)
	b = append(b, `,"status":"COMPLETED","collections":[`...)
	for i, c := range res.Collections {
		if i > 0 {
			b = append(b, ',')
		}
		b = types.AppendJSONString(b, c)
	}
	b = append(b, `],"results":[`...)
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
			b = types.AppendJSONString(b, res.Columns[j].Name)
			b = append(b, ':')
			b = types.AppendJSON(b, v)
		}
		b = append(b, '}')
	}
	b = append(b, `],"column_fields":[`...)
	for i, c := range res.Columns {
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
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"stats":{"elapsed_time_ms":`...)
	b = strconv.AppendInt(b, elapsed.Milliseconds(), 10)
	b = append(b, `,"throttled_time_micros":0},"warnings":[]}`...)
	writeRaw(w, http.StatusOK, b)
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
	v, err := fn.Cast(val, target)
	if err != nil {
		return val, bad("%q is not a valid %s", val.JSON(), typ)
	}
	return v, nil
}

// writeQueryError answers a failed query: 408 for a timeout, 400 for
// errors in the query, 500 for internal errors; never 200.
func writeQueryError(w http.ResponseWriter, id string, err error, typ string) {
	e := sqlerr.As(err)
	status := http.StatusBadRequest
	if typ == "" {
		typ = "QUERY_ERROR"
		switch {
		case e.Code == sqlerr.QueryCanceled && e.Timeout:
			typ, status = "QUERY_TIMEOUT", http.StatusRequestTimeout
		case e.Code == sqlerr.QueryCanceled:
			typ = "QUERY_CANCELLED"
		case e.Code == sqlerr.Internal:
			typ, status = "INTERNALERROR", http.StatusInternalServerError
		}
	}
	if typ == "NOTIMPLEMENTEDYET" {
		status = http.StatusNotImplemented
	}
	body := queryErrorBody{Message: e.Message, Type: typ, QueryID: id, Code: e.Code}
	if e.Line > 0 {
		line, col := e.Line, e.Column
		body.Line, body.Column = &line, &col
	}
	if errors.Is(err, context.Canceled) {
		body.Type = "QUERY_CANCELLED"
	}
	b, _ := json.Marshal(body)
	writeRaw(w, status, b)
}
