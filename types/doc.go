// Package types owns Basalt's dynamically typed values: the Kind of a value,
// the Value itself (NULL and undefined kept distinct, as in Rockset), document
// field paths, the JSON decoder that turns request bytes into documents under
// size, depth and field-name limits, the compact binary encoding the row store
// and segments keep documents in, and JSON-Patch application.
//
// Nothing here knows about storage or SQL; every other package builds on it.
package types
