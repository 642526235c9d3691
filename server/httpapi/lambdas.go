package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/sqlerr"
)

// Query lambdas, shaped as Rockset's Query Lambdas API (the JS client's
// QueryLambdasApi and the OpenAPI spec in rockset/rockset-go-client):
//
//	GET    /v1/orgs/self/lambdas                                    listAllQueryLambdas
//	GET    /v1/orgs/self/ws/{ws}/lambdas                            listQueryLambdasInWorkspace
//	POST   /v1/orgs/self/ws/{ws}/lambdas                            createQueryLambda
//	DELETE /v1/orgs/self/ws/{ws}/lambdas/{ql}                       deleteQueryLambda
//	GET    /v1/orgs/self/ws/{ws}/lambdas/{ql}/versions              listQueryLambdaVersions
//	POST   /v1/orgs/self/ws/{ws}/lambdas/{ql}/versions[?create=]    updateQueryLambda (a new version)
//	GET    /v1/orgs/self/ws/{ws}/lambdas/{ql}/versions/{v}          getQueryLambdaVersion
//	POST   /v1/orgs/self/ws/{ws}/lambdas/{ql}/versions/{v}          executeQueryLambda
//	DELETE /v1/orgs/self/ws/{ws}/lambdas/{ql}/version/{v}           deleteQueryLambdaVersion (singular)
//	GET    /v1/orgs/self/ws/{ws}/lambdas/{ql}/tags                  listQueryLambdaTags
//	POST   /v1/orgs/self/ws/{ws}/lambdas/{ql}/tags                  createQueryLambdaTag
//	GET    /v1/orgs/self/ws/{ws}/lambdas/{ql}/tags/{tag}            getQueryLambdaTagVersion
//	POST   /v1/orgs/self/ws/{ws}/lambdas/{ql}/tags/{tag}            executeQueryLambdaByTag
//	DELETE /v1/orgs/self/ws/{ws}/lambdas/{ql}/tags/{tag}            deleteQueryLambdaTag
//
// The catalog stores lambdas; execution is POST /queries's path
// (serveQuery) with the version's SQL and its default parameters under the
// request's.

// Version states (QueryLambdaVersion.state).
const (
	lambdaActive     = "ACTIVE"
	lambdaInvalidSQL = "INVALID_SQL"
)

// lambdaSQLJSON is Rockset's QueryLambdaSql.
type lambdaSQLJSON struct {
	Query             string           `json:"query"`
	DefaultParameters []queryParameter `json:"default_parameters"`
}

// lambdaVersionJSON is Rockset's QueryLambdaVersion.
type lambdaVersionJSON struct {
	Workspace   string          `json:"workspace"`
	Name        string          `json:"name"`
	Version     string          `json:"version"`
	Description string          `json:"description"`
	SQL         lambdaSQLJSON   `json:"sql"`
	Collections []string        `json:"collections"`
	State       string          `json:"state"`
	CreatedAt   string          `json:"created_at"`
	CreatedBy   string          `json:"created_by"`
	Stats       lambdaStatsJSON `json:"stats"`
}

// lambdaStatsJSON is Rockset's QueryLambdaStats.
type lambdaStatsJSON struct {
	LastExecuted              string `json:"last_executed,omitempty"`
	LastExecutionError        string `json:"last_execution_error,omitempty"`
	LastExecutionErrorMessage string `json:"last_execution_error_message,omitempty"`
}

// lambdaJSON is Rockset's QueryLambda: a lambda and its newest version.
type lambdaJSON struct {
	Name          string            `json:"name"`
	Workspace     string            `json:"workspace"`
	Collections   []string          `json:"collections"`
	LastUpdated   string            `json:"last_updated"`
	LastUpdatedBy string            `json:"last_updated_by"`
	VersionCount  int               `json:"version_count"`
	LatestVersion lambdaVersionJSON `json:"latest_version"`
}

// lambdaTagJSON is Rockset's QueryLambdaTag.
type lambdaTagJSON struct {
	TagName string            `json:"tag_name"`
	Version lambdaVersionJSON `json:"version"`
}

// lambdaStats records when versions last ran and last failed. It lives in
// memory only: writing the catalog on every execution would put a synced
// write on the read path, and Rockset's stats are informational.
type lambdaStats struct {
	mu sync.Mutex
	m  map[string]lambdaExec // version id → record
}

type lambdaExec struct {
	lastRun, lastErr time.Time
	errMsg           string
}

func (s *lambdaStats) get(version string) lambdaExec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[version]
}

func (s *lambdaStats) record(version string, at time.Time, errMsg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]lambdaExec{}
	}
	e := s.m[version]
	e.lastRun = at
	if errMsg != "" {
		e.lastErr, e.errMsg = at, errMsg
	}
	s.m[version] = e
}

func (s *lambdaStats) forget(versions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range versions {
		delete(s.m, v)
	}
}

// lambdaState is ACTIVE while every collection the version's SQL read when
// it was bound still exists, INVALID_SQL otherwise. Creating a version binds
// its SQL, and nothing else a binding depends on can change afterwards
// (collections are schemaless, functions are built in), so this check, a
// map lookup per collection, says what binding again would.
func (a *API) lambdaState(v catalog.LambdaVersion) string {
	cat := a.eng.Catalog()
	for _, c := range v.Collections {
		ws, name, _ := strings.Cut(c, ".")
		if _, err := cat.Collection(ws, name); err != nil {
			return lambdaInvalidSQL
		}
	}
	return lambdaActive
}

func (a *API) lambdaVersionJSON(v catalog.LambdaVersion) lambdaVersionJSON {
	params := make([]queryParameter, len(v.DefaultParameters))
	for i, p := range v.DefaultParameters {
		params[i] = queryParameter{Name: p.Name, Type: p.Type, Value: p.Value}
	}
	cols := v.Collections
	if cols == nil {
		cols = []string{}
	}
	out := lambdaVersionJSON{
		Workspace: v.Workspace, Name: v.Lambda, Version: v.Version, Description: v.Description,
		SQL:         lambdaSQLJSON{Query: v.Query, DefaultParameters: params},
		Collections: cols, State: a.lambdaState(v), CreatedAt: isoTime(v.CreatedAt),
	}
	if e := a.lambdaStats.get(v.Version); !e.lastRun.IsZero() {
		out.Stats.LastExecuted = isoTime(e.lastRun)
		if !e.lastErr.IsZero() {
			out.Stats.LastExecutionError = isoTime(e.lastErr)
			out.Stats.LastExecutionErrorMessage = e.errMsg
		}
	}
	return out
}

func (a *API) lambdaJSON(l catalog.LambdaInfo) lambdaJSON {
	latest := a.lambdaVersionJSON(l.Latest)
	return lambdaJSON{
		Name: l.Name, Workspace: l.Workspace, Collections: latest.Collections,
		LastUpdated: latest.CreatedAt, VersionCount: l.VersionCount, LatestVersion: latest,
	}
}

func (a *API) lambdaTagJSON(t catalog.LambdaTag) lambdaTagJSON {
	return lambdaTagJSON{TagName: t.Name, Version: a.lambdaVersionJSON(t.Version)}
}

// lambdaPath is QueryResponse.query_lambda_path, as Rockset spells it.
func lambdaPath(v catalog.LambdaVersion) string {
	return v.Workspace + "." + v.Lambda + "::" + v.Version
}

// writeSQLError answers a request whose SQL does not parse or bind: 400
// with the type given, the message and, when known, the line and column.
func writeSQLError(w http.ResponseWriter, typ ErrorType, prefix string, err error) {
	e := sqlerr.As(err)
	body := errorBody{Message: prefix + e.Message, Type: typ}
	if e.Line > 0 {
		line, col := e.Line, e.Column
		body.Line, body.Column = &line, &col
	}
	if e.Code == sqlerr.Internal {
		writeJSON(w, http.StatusInternalServerError, errorBody{Message: body.Message, Type: ErrInternal})
		return
	}
	if e.Code == sqlerr.InsufficientPrivilege {
		writeJSON(w, http.StatusForbidden, errorBody{Message: e.Message, Type: ErrForbidden})
		return
	}
	writeJSON(w, http.StatusBadRequest, body)
}

// lambdaVersionSpec checks a version's SQL and default parameters and
// binds the SQL, which must read only collections that exist, as a query
// would. It writes the error answer and returns false when they are not
// valid.
func (a *API) lambdaVersionSpec(w http.ResponseWriter, r *http.Request, description string, s *lambdaSQLJSON) (catalog.LambdaVersionSpec, bool) {
	if s == nil || strings.TrimSpace(s.Query) == "" {
		writeError(w, apiError(ErrInvalidInput, `the request needs "sql": {"query": "…"}`))
		return catalog.LambdaVersionSpec{}, false
	}
	seen := map[string]bool{}
	for _, p := range s.DefaultParameters {
		if seen[p.Name] {
			writeError(w, apiError(ErrInvalidInput, "default parameter "+p.Name+" is given twice"))
			return catalog.LambdaVersionSpec{}, false
		}
		seen[p.Name] = true
	}
	params, err := convertParams(s.DefaultParameters)
	if err != nil {
		writeError(w, apiError(ErrInvalidInput, "default_parameters: "+sqlerr.As(err).Message))
		return catalog.LambdaVersionSpec{}, false
	}
	sess := sql.NewSession(a.eng, sql.Limits{MemoryBytes: a.cfg.QueryMemoryBytes})
	sess.Auth = principalOf(r)
	sess.Transformer = a.transforms
	val, err := sess.Validate(r.Context(), s.Query, params)
	if err != nil {
		writeSQLError(w, ErrInvalidInput, "the query lambda's SQL is not valid: ", err)
		return catalog.LambdaVersionSpec{}, false
	}
	spec := catalog.LambdaVersionSpec{Description: description, Query: s.Query, Collections: val.Collections, Parameters: val.Parameters}
	for _, p := range s.DefaultParameters {
		spec.DefaultParameters = append(spec.DefaultParameters, catalog.LambdaParameter{Name: p.Name, Type: p.Type, Value: p.Value})
	}
	return spec, true
}

// createLambda is Rockset's Create Query Lambda: the lambda with its first
// version, {"data": QueryLambdaVersion}.
func (a *API) createLambda(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("ws")
	var req struct {
		Name        *string        `json:"name"`
		Description string         `json:"description"`
		IsPublic    bool           `json:"is_public"`
		SQL         *lambdaSQLJSON `json:"sql"`
	}
	if aerr := a.decodeBody(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.Name == nil {
		writeError(w, apiError(ErrInvalidInput, "field name is required"))
		return
	}
	if req.IsPublic {
		writeError(w, apiError(ErrNotImplemented, "public query lambdas (is_public) are not implemented yet"))
		return
	}
	cat := a.eng.Catalog()
	if _, err := cat.Workspace(ws); err != nil {
		writeError(w, classify(err))
		return
	}
	if _, err := cat.Lambda(ws, *req.Name); err == nil {
		writeError(w, apiError(ErrAlreadyExists, "query lambda "+*req.Name+" already exists in workspace "+ws+"; POST …/lambdas/"+*req.Name+"/versions adds a version"))
		return
	}
	spec, ok := a.lambdaVersionSpec(w, r, req.Description, req.SQL)
	if !ok {
		return
	}
	v, err := cat.CreateLambda(ws, *req.Name, spec)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.lambdaVersionJSON(v)})
}

// addLambdaVersion is Rockset's Update Query Lambda: a new version, which
// "latest" then names; ?create=true creates a missing lambda. Without sql
// the new version keeps the newest version's SQL and default parameters.
func (a *API) addLambdaVersion(w http.ResponseWriter, r *http.Request) {
	ws, name := r.PathValue("ws"), r.PathValue("ql")
	create := false
	switch c := strings.ToLower(r.URL.Query().Get("create")); c {
	case "", "false":
	case "true":
		create = true
	default:
		writeError(w, apiError(ErrInvalidInput, "create must be true or false, not "+c))
		return
	}
	var req struct {
		Description string         `json:"description"`
		IsPublic    bool           `json:"is_public"`
		SQL         *lambdaSQLJSON `json:"sql"`
	}
	if aerr := a.decodeBody(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.IsPublic {
		writeError(w, apiError(ErrNotImplemented, "public query lambdas (is_public) are not implemented yet"))
		return
	}
	cat := a.eng.Catalog()
	if _, err := cat.Workspace(ws); err != nil {
		writeError(w, classify(err))
		return
	}
	info, err := cat.Lambda(ws, name)
	switch {
	case err != nil && !create:
		writeError(w, classify(err))
		return
	case err == nil && req.SQL == nil:
		prev := a.lambdaVersionJSON(info.Latest).SQL
		req.SQL = &prev
	}
	spec, ok := a.lambdaVersionSpec(w, r, req.Description, req.SQL)
	if !ok {
		return
	}
	v, err := cat.AddLambdaVersion(ws, name, spec, create)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.lambdaVersionJSON(v)})
}

func (a *API) writeLambdaList(w http.ResponseWriter, list []catalog.LambdaInfo) {
	out := make([]lambdaJSON, len(list))
	for i, l := range list {
		out[i] = a.lambdaJSON(l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) listAllLambdas(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	list := a.eng.Catalog().Lambdas("")
	a.writeLambdaList(w, slices.DeleteFunc(list, func(l catalog.LambdaInfo) bool { return !p.SeesWorkspace(l.Workspace) }))
}

func (a *API) listLambdas(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("ws")
	if _, err := a.eng.Catalog().Workspace(ws); err != nil {
		writeError(w, classify(err))
		return
	}
	a.writeLambdaList(w, a.eng.Catalog().Lambdas(ws))
}

// deleteLambda is Rockset's Delete Query Lambda: {"data": QueryLambda} as
// it was.
func (a *API) deleteLambda(w http.ResponseWriter, r *http.Request) {
	ws, name := r.PathValue("ws"), r.PathValue("ql")
	cat := a.eng.Catalog()
	versions, _ := cat.LambdaVersions(ws, name)
	info, err := cat.DropLambda(ws, name)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	out := a.lambdaJSON(info)
	ids := make([]string, len(versions))
	for i, v := range versions {
		ids[i] = v.Version
	}
	a.lambdaStats.forget(ids...)
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) listLambdaVersions(w http.ResponseWriter, r *http.Request) {
	list, err := a.eng.Catalog().LambdaVersions(r.PathValue("ws"), r.PathValue("ql"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	out := make([]lambdaVersionJSON, len(list))
	for i, v := range list {
		out[i] = a.lambdaVersionJSON(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) getLambdaVersion(w http.ResponseWriter, r *http.Request) {
	v, err := a.eng.Catalog().LambdaVersion(r.PathValue("ws"), r.PathValue("ql"), r.PathValue("version"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.lambdaVersionJSON(v)})
}

func (a *API) deleteLambdaVersion(w http.ResponseWriter, r *http.Request) {
	v, err := a.eng.Catalog().DeleteLambdaVersion(r.PathValue("ws"), r.PathValue("ql"), r.PathValue("version"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	out := a.lambdaVersionJSON(v)
	a.lambdaStats.forget(v.Version)
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) listLambdaTags(w http.ResponseWriter, r *http.Request) {
	list, err := a.eng.Catalog().LambdaTags(r.PathValue("ws"), r.PathValue("ql"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	out := make([]lambdaTagJSON, len(list))
	for i, t := range list {
		out[i] = a.lambdaTagJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// createLambdaTag is Rockset's Create Query Lambda Tag: it creates the tag
// or moves it to another version.
func (a *API) createLambdaTag(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TagName *string `json:"tag_name"`
		Version *string `json:"version"`
	}
	if aerr := a.decodeBody(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.TagName == nil || req.Version == nil {
		writeError(w, apiError(ErrInvalidInput, "fields tag_name and version are required"))
		return
	}
	t, err := a.eng.Catalog().SetLambdaTag(r.PathValue("ws"), r.PathValue("ql"), *req.TagName, *req.Version)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.lambdaTagJSON(t)})
}

func (a *API) getLambdaTag(w http.ResponseWriter, r *http.Request) {
	t, err := a.eng.Catalog().LambdaTag(r.PathValue("ws"), r.PathValue("ql"), r.PathValue("tag"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.lambdaTagJSON(t)})
}

func (a *API) deleteLambdaTag(w http.ResponseWriter, r *http.Request) {
	t, err := a.eng.Catalog().DeleteLambdaTag(r.PathValue("ws"), r.PathValue("ql"), r.PathValue("tag"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.lambdaTagJSON(t)})
}

// executeLambdaVersion is Rockset's Execute Query Lambda By Version.
func (a *API) executeLambdaVersion(w http.ResponseWriter, r *http.Request) {
	id := newQueryID()
	v, err := a.eng.Catalog().LambdaVersion(r.PathValue("ws"), r.PathValue("ql"), r.PathValue("version"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	a.executeLambda(w, r, id, v)
}

// executeLambdaTag is Rockset's Execute Query Lambda By Tag; "latest" runs
// the newest version.
func (a *API) executeLambdaTag(w http.ResponseWriter, r *http.Request) {
	id := newQueryID()
	t, err := a.eng.Catalog().LambdaTag(r.PathValue("ws"), r.PathValue("ql"), r.PathValue("tag"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	a.executeLambda(w, r, id, t.Version)
}

// executeLambda runs a version as POST /queries runs SQL. The body is
// Rockset's ExecuteQueryLambdaRequest, whose fields are QueryRequest's with
// the sql ones (parameters, default_row_limit, paginate, …) at the top; an
// empty body runs with the defaults. Request parameters override default
// ones of the same name and take their type when they give none; a
// parameter the SQL uses that has neither a value nor a default is refused
// before the query is queued.
func (a *API) executeLambda(w http.ResponseWriter, r *http.Request, id string, v catalog.LambdaVersion) {
	b, aerr := a.readBody(w, r)
	if aerr != nil {
		writeQueryError(w, id, &sqlerr.Error{Code: "22023", Message: aerr.Message}, string(aerr.Type))
		return
	}
	// One body decoded twice: the QueryRequest fields, and the sql ones
	// that an ExecuteQueryLambdaRequest holds at its top level.
	var req queryRequest
	var body querySQL
	if len(bytes.TrimSpace(b)) > 0 {
		err := json.Unmarshal(b, &req)
		if err == nil {
			err = json.Unmarshal(b, &body)
		}
		if err != nil {
			writeQueryError(w, id, &sqlerr.Error{Code: "22023", Message: "invalid request body: " + err.Error()}, "INVALIDINPUT")
			return
		}
	}
	params, missing := mergeLambdaParams(v, body.Parameters)
	if len(missing) > 0 {
		msg := "query lambda " + v.Workspace + "." + v.Lambda + " version " + v.Version + " needs a value for parameter"
		if len(missing) > 1 {
			msg += "s"
		}
		msg += " :" + strings.Join(missing, ", :") + `; pass it in "parameters" (the version has no default for it)`
		writeQueryError(w, id, &sqlerr.Error{Code: "22023", Message: msg}, "INVALIDINPUT")
		return
	}
	body.Query, body.Parameters = v.Query, params
	req.SQL = &body
	spec, clientTimeout, err := req.spec()
	if err != nil {
		writeQueryError(w, id, err, "INVALIDINPUT")
		return
	}
	spec.id, spec.lambdaPath = id, lambdaPath(v)
	now := time.Now()
	s := a.serveQuery(w, r, spec, clientTimeout)
	errMsg := ""
	if s.state == stateError || s.state == stateCancelled {
		errMsg = sqlerr.As(s.err).Message
	}
	a.lambdaStats.record(v.Version, now, errMsg)
}

// mergeLambdaParams puts the request's parameters over the version's
// defaults and lists the named parameters the SQL uses that have no value.
func mergeLambdaParams(v catalog.LambdaVersion, given []queryParameter) ([]queryParameter, []string) {
	out := make([]queryParameter, 0, len(v.DefaultParameters)+len(given))
	at := map[string]int{}
	for _, p := range v.DefaultParameters {
		at[p.Name] = len(out)
		out = append(out, queryParameter{Name: p.Name, Type: p.Type, Value: p.Value})
	}
	for _, p := range given {
		i, ok := at[p.Name]
		if !ok {
			at[p.Name] = len(out)
			out = append(out, p)
			continue
		}
		if p.Type == "" {
			p.Type = out[i].Type
		}
		out[i] = p
	}
	var missing []string
	for _, name := range v.Parameters {
		if strings.HasPrefix(name, "$") {
			continue
		}
		if _, ok := at[name]; !ok {
			missing = append(missing, name)
		}
	}
	return out, missing
}

// validateQuery is Rockset's Validate Query: the SQL of a QueryRequest is
// parsed and bound, not run; the answer lists the collections it reads and
// the parameters it uses, {"collections": […], "parameters": […]}.
// Parameters without a value bind as NULL. An invalid query is 400
// QUERY_ERROR, as running it would be.
func (a *API) validateQuery(w http.ResponseWriter, r *http.Request) {
	var req queryRequest
	if aerr := a.decodeBody(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.SQL == nil || strings.TrimSpace(req.SQL.Query) == "" {
		writeError(w, apiError(ErrInvalidInput, `the request needs "sql": {"query": "…"}`))
		return
	}
	params, err := convertParams(req.SQL.Parameters)
	if err != nil {
		writeError(w, apiError(ErrInvalidInput, sqlerr.As(err).Message))
		return
	}
	sess := sql.NewSession(a.eng, sql.Limits{MemoryBytes: a.cfg.QueryMemoryBytes})
	sess.Auth = principalOf(r)
	sess.Transformer = a.transforms
	val, err := sess.Validate(r.Context(), req.SQL.Query, params)
	if err != nil {
		writeSQLError(w, "QUERY_ERROR", "", err)
		return
	}
	out := struct {
		Collections []string `json:"collections"`
		Parameters  []string `json:"parameters"`
	}{Collections: val.Collections, Parameters: val.Parameters}
	if out.Collections == nil {
		out.Collections = []string{}
	}
	if out.Parameters == nil {
		out.Parameters = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) lambdaRoutes() {
	const ql = "/v1/orgs/self/ws/{ws}/lambdas/{ql}"
	a.handle("/v1/orgs/self/lambdas", methods{"GET": a.listAllLambdas})
	a.handle("/v1/orgs/self/ws/{ws}/lambdas", methods{"GET": a.listLambdas, "POST": a.createLambda})
	a.handle(ql, methods{"DELETE": a.deleteLambda})
	a.handle(ql+"/versions", methods{"GET": a.listLambdaVersions, "POST": a.addLambdaVersion})
	a.handle(ql+"/versions/{version}", methods{"GET": a.getLambdaVersion, "POST": a.executeLambdaVersion})
	a.handle(ql+"/version/{version}", methods{"DELETE": a.deleteLambdaVersion})
	a.handle(ql+"/tags", methods{"GET": a.listLambdaTags, "POST": a.createLambdaTag})
	a.handle(ql+"/tags/{tag}", methods{"GET": a.getLambdaTag, "POST": a.executeLambdaTag, "DELETE": a.deleteLambdaTag})
}
