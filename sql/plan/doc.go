// Package plan binds a parsed query (sql/ast) against a catalog and builds
// the logical plan the executor runs: a tree of Nodes whose expressions
// refer to columns by ColID. Rules then push filters into scans and pick
// access paths from the converged index (inverted-index lookups, zone-map
// pruning of `_event_time` ranges, `_id` point lookups).
//
// The package never imports storage: it declares the Catalog and Table
// interfaces it needs and the session layer adapts storage to them.
//
// Typing is dynamic: columns carry no static type. Every document field is
// a column that may hold any kind, and a field no document has is simply
// undefined.
package plan
