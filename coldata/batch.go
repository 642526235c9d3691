package coldata

// Batch is a set of columns over the same rows of one segment: Vecs[i] holds
// the i-th requested column for rows [Start, Start+Length). Sel, when not nil,
// lists the positions (ascending) of the rows that are selected (live and
// matching the scan's filter); nil means every row.
//
// Ownership: a Batch and its Vecs are reused by the iterator that returned
// it; they are invalid after the next call to Next.
type Batch struct {
	Start  int
	Length int
	Vecs   []Vec
	Sel    []int
}

// Selected returns the number of selected rows.
func (b *Batch) Selected() int {
	if b.Sel == nil {
		return b.Length
	}
	return len(b.Sel)
}
