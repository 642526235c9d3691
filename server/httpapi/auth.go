package httpapi

import (
	"net/http"
	"strings"

	"github.com/basaltdb/basalt/auth"
)

// authenticate finds the caller: Superuser while authentication is off,
// else the principal of the key in "Authorization: ApiKey <key>" (Rockset's
// scheme; "Bearer <key>" works too). No key or a bad one is AUTHEXCEPTION
// (401).
func (a *API) authenticate(r *http.Request) (*http.Request, *APIError) {
	p := auth.Superuser
	if a.cfg.Keys != nil && a.cfg.Keys.Required() {
		var err error
		if p, err = a.cfg.Keys.Authenticate(apiKeyOf(r)); err != nil {
			return r, classify(err)
		}
	}
	return r.WithContext(auth.NewContext(r.Context(), p)), nil
}

// apiKeyOf returns the key a request carries, "" when none.
func apiKeyOf(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, key, ok := strings.Cut(h, " ")
	if !ok {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "apikey", "bearer":
		return strings.TrimSpace(key)
	}
	return ""
}

// principalOf is the caller of a request that went through authenticate.
// A request that did not is nobody: the zero Principal may do nothing.
func principalOf(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

// authorize checks that the caller may do what the route does on the
// workspace in its path: FORBIDDEN (403) when not. Requests that name no
// workspace are checked for the role alone here; their handlers filter
// what they show (lists) or check what they touch (SQL, through the
// session's Authorizer; a new workspace's name, in the body).
func authorize(pattern string, r *http.Request) *APIError {
	act, ws, public := routeAccess(pattern, r)
	if public {
		return nil
	}
	if err := principalOf(r).Check(act, ws); err != nil {
		return classify(err)
	}
	return nil
}

// routeAccess maps a route and method to the action it performs and the
// workspace it performs it on. Routes not listed read on GET and create or
// drop otherwise, on the workspace in their path: a new route is never
// more open than that until it is listed here.
func routeAccess(pattern string, r *http.Request) (act auth.Action, ws string, public bool) {
	ws = r.PathValue("ws")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	const (
		coll = "/v1/orgs/self/ws/{ws}/collections/{coll}"
		ql   = "/v1/orgs/self/ws/{ws}/lambdas/{ql}"
	)
	switch pattern {
	case "/healthz", "/readyz":
		return 0, "", true
	case coll + "/docs", coll + "/offsets/commit":
		return auth.ActionWrite, ws, false
	case "/v1/orgs/self/queries", "/v1/orgs/self/queries/{queryId}",
		"/v1/orgs/self/queries/{queryId}/pages", "/v1/orgs/self/queries/{queryId}/pages/{cursor}",
		"/v1/orgs/self/queries/validations":
		// Running, validating, reading or cancelling a query reads; the
		// session checks each collection the SQL touches (INSERT writes).
		return auth.ActionRead, "", false
	case ql + "/versions/{version}", ql + "/tags/{tag}":
		if r.Method == http.MethodPost { // executes the lambda
			return auth.ActionRead, ws, false
		}
	case "/v1/orgs/self/users/{user}/apikeys", "/v1/orgs/self/users/{user}/apikeys/{name}":
		return auth.ActionAdmin, "", false
	}
	if get {
		return auth.ActionRead, ws, false
	}
	return auth.ActionDDL, ws, false
}

// adminOnly guards a handler outside the route table (the profiler).
func (a *API) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, aerr := a.authenticate(r)
		if aerr == nil {
			if err := principalOf(r).Check(auth.ActionAdmin, ""); err != nil {
				aerr = classify(err)
			}
		}
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		h(w, r)
	}
}

// seesQuery reports whether a caller may poll, page through or cancel a
// query: the key that submitted it may, and an unrestricted admin. To
// anyone else the query does not exist (NOTFOUND), as its SQL and results
// may come from workspaces they do not see.
func seesQuery(p auth.Principal, e *queryEntry) bool {
	if p.Can(auth.ActionAdmin, "") {
		return true
	}
	q := e.spec.principal
	return q.Role != "" && q.KeyName == p.KeyName && q.User == p.User
}
