package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// cellText renders a JSON value for a table or CSV cell: strings bare,
// null as nullText, a missing field (undefined) as "", anything else
// (numbers, booleans, arrays, objects) as its JSON text.
func cellText(v json.RawMessage, ok bool, nullText string) string {
	if !ok {
		return ""
	}
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0:
		return ""
	case string(v) == "null":
		return nullText
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// writeTable writes rows as psql does: a header, a rule, aligned columns
// (numbers to the right), and a row count.
func writeTable(w *bufio.Writer, cols []string, rows []map[string]json.RawMessage) {
	cells := make([][]string, len(rows))
	width := make([]int, len(cols))
	numeric := make([]bool, len(cols))
	for i, c := range cols {
		width[i] = utf8.RuneCountInString(c)
		numeric[i] = true
	}
	seen := make([]bool, len(cols))
	for r, row := range rows {
		cells[r] = make([]string, len(cols))
		for i, c := range cols {
			v, ok := row[c]
			s := cellText(v, ok, "NULL")
			if ok && len(v) > 0 && string(v) != "null" {
				seen[i] = true
				if !isJSONNumber(v) {
					numeric[i] = false
				}
			}
			// A cell stays on its line.
			s = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
			cells[r][i] = s
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	pad := func(s string, n int, right bool) string {
		fill := strings.Repeat(" ", n-utf8.RuneCountInString(s))
		if right {
			return fill + s
		}
		return s + fill
	}
	line := func(vals []string, header bool) {
		for i, v := range vals {
			if i > 0 {
				w.WriteString(" |")
			}
			w.WriteByte(' ')
			last := i == len(vals)-1
			switch {
			case header:
				// Headers are centred, as psql's.
				left := (width[i] - utf8.RuneCountInString(v)) / 2
				s := strings.Repeat(" ", left) + v
				if !last {
					s = pad(s, width[i], false)
				}
				w.WriteString(s)
			case numeric[i] && seen[i]:
				w.WriteString(pad(v, width[i], true))
			case last:
				w.WriteString(v)
			default:
				w.WriteString(pad(v, width[i], false))
			}
		}
		w.WriteByte('\n')
	}
	line(cols, true)
	for i := range cols {
		if i > 0 {
			w.WriteByte('+')
		}
		w.WriteString(strings.Repeat("-", width[i]+2))
	}
	w.WriteByte('\n')
	for _, r := range cells {
		line(r, false)
	}
	if len(rows) == 1 {
		w.WriteString("(1 row)\n\n")
	} else {
		fmt.Fprintf(w, "(%d rows)\n\n", len(rows))
	}
}

func isJSONNumber(v json.RawMessage) bool {
	c := v[0]
	return c == '-' || (c >= '0' && c <= '9')
}

// writeJSONRows writes one JSON object per row, its fields in column order;
// a field the row does not have is left out.
func writeJSONRows(w *bufio.Writer, cols []string, rows []map[string]json.RawMessage) {
	for _, row := range rows {
		w.WriteByte('{')
		n := 0
		for _, c := range cols {
			v, ok := row[c]
			if !ok {
				continue
			}
			if n > 0 {
				w.WriteByte(',')
			}
			n++
			k, _ := json.Marshal(c)
			w.Write(k)
			w.WriteByte(':')
			var b bytes.Buffer
			if json.Compact(&b, v) == nil {
				w.Write(b.Bytes())
			} else {
				w.Write(v)
			}
		}
		w.WriteString("}\n")
	}
}

// writeCSVRows writes a header row and the rows; null and missing fields
// are empty cells.
func writeCSVRows(w *bufio.Writer, cols []string, rows []map[string]json.RawMessage) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, row := range rows {
		for i, c := range cols {
			v, ok := row[c]
			rec[i] = cellText(v, ok, "")
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
