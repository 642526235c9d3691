// Package catalog owns workspaces and collections: their names, options and
// lifecycle, persisted in the key-value store and cached in memory. It does
// not own collection data; the storage engine does, and drops it in the same
// batch that removes the collection record.
package catalog
