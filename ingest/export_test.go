package ingest

// PendingName starts the checkpoint names of records pending for
// _meta.bad.
const PendingName = pendingName
