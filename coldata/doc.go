// Package coldata holds columns of dynamically typed values in batches: Vec,
// one column of up to a batch of rows, and Batch, several Vecs over the same
// rows. Segments fill Vecs when they are scanned; the SQL executor computes on
// them. A Vec is uniform (every row of one kind, the fast path) or mixed (a
// kind per row).
package coldata
