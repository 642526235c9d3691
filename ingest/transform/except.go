package transform

import (
	"fmt"
	"strings"
	"unicode"
)

// cutStarExcept removes a top-level `* EXCEPT (a, b, …)` from a query and
// returns the query without it and the excepted field names. PostgreSQL's
// grammar (pg_query) reads `EXCEPT` as the set operation, so Rockset's
// `SELECT * EXCEPT (…)` is cut out before parsing; `EXCEPT (SELECT …)` is
// left alone. String literals, quoted identifiers and comments are
// skipped, and the cut text is blanked rather than removed so that error
// positions still point into the original text.
func cutStarExcept(q string) (string, []string, error) {
	b := []byte(q)
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for ; j < len(b); j++ {
				if b[j] == c {
					if j+1 < len(b) && b[j+1] == c {
						j++
						continue
					}
					break
				}
			}
			i = j
		case c == '-' && i+1 < len(b) && b[i+1] == '-':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return q, nil, nil // the parser reports it
			}
			i += end + 3
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '*' && depth == 0:
			j := skipSpace(q, i+1)
			if !hasKeyword(q, j, "except") {
				continue
			}
			k := skipSpace(q, j+len("except"))
			if k >= len(q) || q[k] != '(' {
				continue
			}
			if hasKeyword(q, skipSpace(q, k+1), "select") {
				continue
			}
			end := strings.IndexByte(q[k:], ')')
			if end < 0 {
				return "", nil, fmt.Errorf("unterminated * EXCEPT (…) list")
			}
			var names []string
			for _, part := range strings.Split(q[k+1:k+end], ",") {
				name, err := identifier(strings.TrimSpace(part))
				if err != nil {
					return "", nil, fmt.Errorf("* EXCEPT (…): %w", err)
				}
				names = append(names, name)
			}
			for p := j; p <= k+end; p++ {
				if b[p] != '\n' {
					b[p] = ' '
				}
			}
			return string(b), names, nil
		}
	}
	return q, nil, nil
}

func skipSpace(q string, i int) int {
	for i < len(q) && unicode.IsSpace(rune(q[i])) {
		i++
	}
	return i
}

// hasKeyword reports whether q has keyword kw (lower case) at i, as a
// whole word.
func hasKeyword(q string, i int, kw string) bool {
	if i+len(kw) > len(q) || !strings.EqualFold(q[i:i+len(kw)], kw) {
		return false
	}
	if e := i + len(kw); e < len(q) && (isIdentChar(q[e])) {
		return false
	}
	return true
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// identifier reads one field name: bare (folded to lower case, as
// PostgreSQL does) or double-quoted.
func identifier(s string) (string, error) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`), nil
	}
	if s == "" {
		return "", fmt.Errorf("empty field name")
	}
	for i := 0; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return "", fmt.Errorf("%q is not a field name", s)
		}
	}
	return strings.ToLower(s), nil
}
