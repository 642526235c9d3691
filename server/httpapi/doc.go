// Package httpapi is Basalt's HTTP API, shaped like Rockset's v1 REST API so
// that code written for Rockset (and its official clients) can point at
// Basalt: workspaces, collections, documents and queries under /v1/orgs/self,
// with Rockset's JSON shapes and error vocabulary.
//
// Every query, synchronous or asynchronous, runs on a goroutine owned by the
// query registry (query_registry.go), which bounds how many run at once,
// lets them be listed and cancelled, and keeps the results of asynchronous
// and paginated queries for /pages for a limited time and count. API.Close
// cancels what still runs and waits for it.
//
// Every answer is JSON, errors included: {"message", "type", ...} with the
// HTTP status that goes with the type (see errors.go, the one place where
// errors are mapped). A malformed request body fails the whole request and
// writes nothing; a malformed document inside a well-formed body fails alone
// and its neighbours are written.
//
// Every route is authenticated and authorized in one place (auth.go): with
// Config.Keys requiring keys, the request's "Authorization: ApiKey" names
// a principal (else AUTHEXCEPTION, 401), routeAccess maps the route and
// method to an action on the workspace in its path (else FORBIDDEN, 403),
// lists show only the workspaces the key sees, and SQL is checked
// collection by collection by the session (sql.Authorizer). API keys
// themselves are managed under /v1/orgs/self/users/{user}/apikeys
// (apikeys.go).
package httpapi
