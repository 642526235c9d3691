// Package catalog owns workspaces, collections and query lambdas (lambda.go):
// their names, options, versions and lifecycle, persisted in the key-value
// store and cached in memory. It does not own collection data; the storage
// engine does, and drops it in the same batch that removes the collection
// record.
//
// It also persists API key records and their shared settings (apikeys.go)
// for package auth, which gives them their meaning and caches them.
package catalog
