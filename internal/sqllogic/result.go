package sqllogic

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// floatTolerance is the relative difference under which two values of an R
// column are equal: engines print the shortest text that round-trips, and
// results of float arithmetic differ in the last digits with the order of
// evaluation (a parallel sum, say).
const floatTolerance = 1e-9

// formatCell writes a value as a result line shows it; typ is the column's
// type letter.
func formatCell(c Cell, typ byte) string {
	switch {
	case c.Null:
		return "NULL"
	case c.Text == "":
		return "(empty)"
	case typ == 'B':
		switch strings.ToLower(c.Text) {
		case "t", "true":
			return "true"
		case "f", "false":
			return "false"
		}
	}
	return c.Text
}

// formatRows formats every value of rows.
func formatRows(rows [][]Cell, types string) [][]string {
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, len(row))
		for j, c := range row {
			out[i][j] = formatCell(c, types[j])
		}
	}
	return out
}

// rowText is a row as one result line (more when a value holds a newline).
func rowText(vals []string) string { return strings.Join(vals, " ") }

// sortRows orders rows by their text, as rowsort does.
func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(rowText(a), rowText(b)) })
}

// outputLines returns the result lines a query record would have to hold to
// pass: what an error message shows and what -rewrite writes. rows are
// formatted, and sorted when the record says rowsort.
func outputLines(r *record, columns []string, rows [][]string) []string {
	var lines []string
	add := func(text string) { lines = append(lines, strings.Split(text, "\n")...) }
	if r.colNames {
		add(rowText(columns))
	}
	if r.sort == valueSort {
		for _, v := range sortedValues(rows) {
			add(v)
		}
		return lines
	}
	for _, row := range rows {
		add(rowText(row))
	}
	return lines
}

func sortedValues(rows [][]string) []string {
	var vals []string
	for _, row := range rows {
		vals = append(vals, row...)
	}
	slices.Sort(vals)
	return vals
}

// resultsMatch reports whether a query's formatted results match the
// record's expected lines; rows are sorted already for rowsort.
func resultsMatch(r *record, columns []string, rows [][]string) bool {
	expected := r.expected
	if r.colNames {
		if len(expected) == 0 || !lineMatches(expected[0], columns, "") {
			return false
		}
		expected = expected[1:]
	}
	switch r.sort {
	case valueSort:
		return valuesMatch(expected, rows, strings.ContainsRune(r.types, 'R'))
	case rowSort:
		if !slices.ContainsFunc(rows, func(row []string) bool { return strings.Contains(rowText(row), "\n") }) {
			// Order the expected lines as the rows are ordered, ignoring
			// alignment whitespace. With a multi-line value the lines can
			// not be told apart from rows, so they must be in order already.
			expected = slices.Clone(expected)
			slices.SortFunc(expected, func(a, b string) int {
				return strings.Compare(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
			})
		}
	}
	return rowsMatch(expected, rows, r.types)
}

// rowsMatch matches rows against expected lines in order.
func rowsMatch(expected []string, rows [][]string, types string) bool {
	i := 0
	for _, row := range rows {
		n := strings.Count(rowText(row), "\n") + 1
		if i+n > len(expected) || !lineMatches(strings.Join(expected[i:i+n], "\n"), row, types) {
			return false
		}
		i += n
	}
	return i == len(expected)
}

// lineMatches reports whether an expected line matches a row's values. The
// line must equal the values joined by single spaces, except that the values
// of R columns (per types, which may be shorter than row) compare as numbers
// within floatTolerance, and, when no value holds whitespace, any whitespace
// may separate the values.
func lineMatches(line string, row []string, types string) bool {
	if line == rowText(row) {
		return true
	}
	if slices.ContainsFunc(row, hasSpace) {
		return singleSpaced(line, row, types)
	}
	words := strings.Fields(line)
	if len(words) != len(row) {
		return false
	}
	for j, v := range row {
		if words[j] != v && !(j < len(types) && types[j] == 'R' && floatsEqual(words[j], v)) {
			return false
		}
	}
	return true
}

// singleSpaced is lineMatches for a row with whitespace in a value: the
// values must be separated by single spaces, so the line can be cut into
// values by matching them in turn, the text values literally and the
// numbers of R columns (which hold no space) as words.
func singleSpaced(line string, row []string, types string) bool {
	p := 0
	for j, v := range row {
		if j > 0 {
			if !strings.HasPrefix(line[p:], " ") {
				return false
			}
			p++
		}
		if j < len(types) && types[j] == 'R' && !hasSpace(v) {
			end := strings.IndexByte(line[p:], ' ')
			if end < 0 {
				end = len(line) - p
			}
			if word := line[p : p+end]; word != v && !floatsEqual(word, v) {
				return false
			}
			p += end
			continue
		}
		if !strings.HasPrefix(line[p:], v) {
			return false
		}
		p += len(v)
	}
	return p == len(line)
}

// valuesMatch compares, for valuesort, the words of the expected lines and
// of the values, each sorted; floats says R tolerance applies to any word.
func valuesMatch(expected []string, rows [][]string, floats bool) bool {
	want := strings.Fields(strings.Join(expected, " "))
	got := strings.Fields(strings.Join(sortedValues(rows), " "))
	if len(want) != len(got) {
		return false
	}
	slices.Sort(want)
	slices.Sort(got)
	for i := range want {
		if want[i] != got[i] && !(floats && floatsEqual(want[i], got[i])) {
			return false
		}
	}
	return true
}

// hasSpace reports whether s holds whitespace as strings.Fields sees it.
func hasSpace(s string) bool { return strings.ContainsFunc(s, unicode.IsSpace) }

// floatsEqual reports whether a and b parse as floats within floatTolerance
// of each other. NaN equals NaN, as it does in PostgreSQL's ordering.
func floatsEqual(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch {
	case x == y:
		return true
	case math.IsNaN(x) || math.IsNaN(y):
		return math.IsNaN(x) && math.IsNaN(y)
	case math.IsInf(x, 0) || math.IsInf(y, 0):
		return false
	}
	return math.Abs(x-y) <= floatTolerance*math.Max(math.Abs(x), math.Abs(y))
}
