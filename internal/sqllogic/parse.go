package sqllogic

import (
	"fmt"
	"strings"
)

// recordKind says what a record expects.
type recordKind int

const (
	statementOK recordKind = iota
	statementError
	queryOK
	queryError
	halt
)

// sortMode is how a query's rows are ordered before comparison.
type sortMode int

const (
	noSort sortMode = iota
	rowSort
	valueSort
)

// condition is a skipif or onlyif line.
type condition struct {
	only   bool // onlyif rather than skipif
	engine string
}

// record is one test case of a file.
type record struct {
	line  int // 1-based line of the header ("statement ok", "query IT")
	kind  recordKind
	conds []condition
	sql   string

	// errPattern is the SQLSTATE or regexp of statementError and queryError.
	errPattern string

	// For queryOK:
	types    string // one letter per column
	sort     sortMode
	colNames bool
	label    string
	// expected holds the lines after ----, up to the next blank line.
	expected []string
	// The lines [resultStart, resultEnd) (0-based) hold expected;
	// hasResults says whether there is a ---- line. Without one, resultStart
	// is where rewriting inserts a ---- line and the results.
	hasResults             bool
	resultStart, resultEnd int
}

// skip reports whether conds exclude the record on engine.
func (r *record) skip(engine string) bool {
	for _, c := range r.conds {
		if c.only != (c.engine == engine) {
			return true
		}
	}
	return false
}

// parseError is a syntax error in a test file.
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// parse splits a test file, already split into lines without their line
// terminators, into records.
func parse(lines []string) ([]*record, error) {
	var records []*record
	var conds []condition
	isBlank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }
	// block returns the end of the lines from i up to a blank line or, when
	// stopAtDashes, a ---- line.
	block := func(i int, stopAtDashes bool) int {
		for i < len(lines) && !isBlank(i) && !(stopAtDashes && strings.TrimSpace(lines[i]) == "----") {
			i++
		}
		return i
	}
	i := 0
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		fields := strings.Fields(line)
		if fields[0] != "statement" && fields[0] != "query" || len(fields) < 2 || fields[1] != "error" {
			// A comment may end any header but an error pattern's.
			fields = strings.Fields(stripComment(line))
		}
		r := &record{line: i + 1}
		switch fields[0] {
		case "skipif", "onlyif":
			if len(fields) < 2 {
				return nil, &parseError{i + 1, fields[0] + " needs an engine name"}
			}
			conds = append(conds, condition{only: fields[0] == "onlyif", engine: fields[1]})
			i++
			continue
		case "halt":
			r.kind = halt
			r.conds, conds = conds, nil
			records = append(records, r)
			i++
			continue
		case "statement":
			switch {
			case len(fields) == 2 && fields[1] == "ok":
				r.kind = statementOK
			case len(fields) >= 2 && fields[1] == "error":
				r.kind = statementError
				r.errPattern = errorPattern(line)
			default:
				return nil, &parseError{i + 1, `want "statement ok" or "statement error <pattern>"`}
			}
		case "query":
			if len(fields) < 2 {
				return nil, &parseError{i + 1, `want "query <types> [options]" or "query error <pattern>"`}
			}
			if fields[1] == "error" {
				r.kind = queryError
				r.errPattern = errorPattern(line)
				break
			}
			r.kind = queryOK
			r.types = fields[1]
			for _, opt := range fields[2:] {
				switch opt {
				case "nosort":
					r.sort = noSort
				case "rowsort":
					r.sort = rowSort
				case "valuesort":
					r.sort = valueSort
				case "colnames":
					r.colNames = true
				default:
					if r.label != "" {
						return nil, &parseError{i + 1, fmt.Sprintf("unknown query option %q (label already %q)", opt, r.label)}
					}
					r.label = opt
				}
			}
		default:
			return nil, &parseError{i + 1, fmt.Sprintf("unknown directive %q", fields[0])}
		}
		r.conds, conds = conds, nil

		start := i + 1
		end := block(start, r.kind == queryOK)
		if end == start {
			return nil, &parseError{i + 1, "record has no SQL"}
		}
		r.sql = strings.Join(trimCR(lines[start:end]), "\n")
		i = end
		r.resultStart, r.resultEnd = end, end
		if r.kind == queryOK && i < len(lines) && !isBlank(i) {
			// At a ---- line.
			r.hasResults = true
			r.resultStart = i + 1
			r.resultEnd = block(r.resultStart, false)
			r.expected = trimCR(lines[r.resultStart:r.resultEnd])
			i = r.resultEnd
		}
		records = append(records, r)
	}
	if len(conds) > 0 {
		return nil, &parseError{len(lines), "skipif or onlyif without a record after it"}
	}
	return records, nil
}

// stripComment drops a "#" comment that follows a header line's words.
func stripComment(line string) string {
	if i := strings.Index(line, " #"); i >= 0 {
		return line[:i]
	}
	return line
}

// errorPattern returns what follows "statement error" or "query error".
func errorPattern(header string) string {
	_, rest, _ := strings.Cut(header, "error")
	return strings.TrimSpace(rest)
}

// trimCR drops the \r of CRLF line ends.
func trimCR(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSuffix(l, "\r")
	}
	return out
}
