package plan

// Catalog resolves collection names for the binder.
type Catalog interface {
	// Table returns the collection ws.name; ws is "" for the default
	// workspace. A missing collection is an error with SQLSTATE 42P01.
	Table(ws, name string) (Table, error)
}

// Table is a collection as the binder and optimizer see it.
type Table interface {
	Workspace() string
	Name() string
	// Paths returns the column paths of the collection (flattened leaf
	// paths such as `device.os`), sorted.
	Paths() []string
	// RowCount estimates the number of live documents.
	RowCount() int64
}
