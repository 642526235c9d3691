// Package httpapi is Basalt's HTTP API, shaped like Rockset's v1 REST API so
// that code written for Rockset (and its official clients) can point at
// Basalt: workspaces, collections and documents under /v1/orgs/self, with
// Rockset's JSON shapes and error vocabulary.
//
// Every answer is JSON, errors included: {"message", "type", ...} with the
// HTTP status that goes with the type (see errors.go, the one place where
// errors are mapped). A malformed request body fails the whole request and
// writes nothing; a malformed document inside a well-formed body fails alone
// and its neighbours are written.
package httpapi
