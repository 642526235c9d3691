package main

import "strings"

// stmt is one SQL statement of a script, with where it starts (1-based),
// so that a server error's line and column can be made the script's.
type stmt struct {
	text       string
	line, col  int
	terminated bool // ended by ';' (the last one of a script may not be)
}

// splitSQL splits a script at the semicolons that end statements: those
// outside quotes ('…', "…", E'…'), dollar quotes ($tag$…$tag$) and
// comments (-- … and nested /* … */). Statements that hold nothing but
// space and comments are dropped. The server takes one statement per
// query, so the CLI splits scripts itself.
func splitSQL(s string) []stmt {
	var out []stmt
	line, col := 1, 1 // position of s[i]
	start, sLine, sCol := -1, 0, 0
	emit := func(end int, term bool) {
		if start >= 0 {
			out = append(out, stmt{text: strings.TrimRightFunc(s[start:end], isSpace), line: sLine, col: sCol, terminated: term})
		}
		start = -1
	}
	advance := func(i, j int) { // move the position from s[i] to s[j]
		for ; i < j && i < len(s); i++ {
			if s[i] == '\n' {
				line, col = line+1, 1
			} else if s[i]&0xC0 != 0x80 {
				col++
			}
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		content := true
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			content = false
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			if k := strings.IndexByte(s[i:], '\n'); k >= 0 {
				j = i + k
			} else {
				j = len(s)
			}
			content = false
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			depth := 0
			for j = i; j < len(s); {
				if strings.HasPrefix(s[j:], "/*") {
					depth++
					j += 2
				} else if strings.HasPrefix(s[j:], "*/") {
					depth--
					j += 2
					if depth == 0 {
						break
					}
				} else {
					j++
				}
			}
			content = false
		case c == '\'' || c == '"':
			j = endQuote(s, i+1, c, i > 0 && (s[i-1] == 'E' || s[i-1] == 'e') && c == '\'')
		case c == '$':
			if tag, ok := dollarTag(s[i:]); ok {
				if k := strings.Index(s[i+len(tag):], tag); k >= 0 {
					j = i + len(tag) + k + len(tag)
				} else {
					j = len(s)
				}
			}
		case c == ';':
			if start < 0 {
				// An empty statement: nothing to run.
				advance(i, j)
				i = j
				continue
			}
			emit(i, true)
			advance(i, j)
			i = j
			continue
		}
		if content && start < 0 {
			start, sLine, sCol = i, line, col
		}
		advance(i, j)
		i = j
	}
	emit(len(s), false)
	return out
}

// endQuote returns the index just past the quote that closes a quoted
// string or identifier whose text starts at s[i]; a doubled quote is part
// of the text, and so, with backslash escapes (E'…'), is \'.
func endQuote(s string, i int, q byte, esc bool) int {
	for i < len(s) {
		switch {
		case esc && s[i] == '\\':
			i += 2
		case s[i] == q:
			if i+1 < len(s) && s[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		default:
			i++
		}
	}
	return len(s)
}

// dollarTag reads the opening tag of a dollar-quoted string ($$ or $tag$)
// at the start of s.
func dollarTag(s string) (string, bool) {
	for k := 1; k < len(s); k++ {
		c := s[k]
		if c == '$' {
			return s[:k+1], true
		}
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (k > 1 && c >= '0' && c <= '9')) {
			return "", false
		}
	}
	return "", false
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// complete reports whether a shell's buffer ends with a terminated
// statement (outside quotes and comments), so it can be run.
func complete(buf string) bool {
	st := splitSQL(buf)
	return len(st) > 0 && st[len(st)-1].terminated
}
