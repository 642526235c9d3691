package fn

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// LikeMatcher is a compiled LIKE or ILIKE pattern. It is immutable and safe
// for concurrent use.
type LikeMatcher struct {
	toks  []likeTok
	icase bool
	// exact, prefix and suffix are fast paths for the commonest patterns
	// ('abc', 'abc%', '%abc'), which need no backtracking.
	kind   likeKind
	needle string
	// literal is the longest run of literal characters of a general
	// case-sensitive pattern ('%utm_source=google%': "source=google"):
	// a string without it cannot match, which strings.Contains finds
	// faster than the matcher. (Not with U+FFFD in it, which an invalid
	// byte of the string matches.)
	literal string
}

type likeKind uint8

const (
	likeGeneral likeKind = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
)

// likeTok is one pattern element: a literal rune, _ (any one character) or
// % (any sequence).
type likeTok struct {
	r    rune
	kind byte // 'c' literal, '_' any char, '%' any sequence
}

// CompileLike compiles a PostgreSQL LIKE pattern: % matches any sequence of
// characters, _ any one character, and escape (one character; "\" is
// PostgreSQL's default, "" disables escaping) makes the next character
// literal. caseInsensitive gives ILIKE. A pattern ending in the escape
// character is 22025; an escape string longer than one character is 22025 too.
func CompileLike(pattern, escape string, caseInsensitive bool) (*LikeMatcher, error) {
	var esc rune = -1
	if escape != "" {
		r, n := utf8.DecodeRuneInString(escape)
		if n != len(escape) {
			return nil, sqlerr.New(codeInvalidEscape, "invalid escape string")
		}
		esc = r
	}
	m := &LikeMatcher{icase: caseInsensitive}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == esc:
			if i+1 == len(rs) {
				return nil, sqlerr.New(codeInvalidEscape, "LIKE pattern must not end with escape character")
			}
			i++
			m.toks = append(m.toks, likeTok{r: m.fold(rs[i]), kind: 'c'})
		case r == '%':
			if n := len(m.toks); n == 0 || m.toks[n-1].kind != '%' {
				m.toks = append(m.toks, likeTok{kind: '%'})
			}
		case r == '_':
			m.toks = append(m.toks, likeTok{kind: '_'})
		default:
			m.toks = append(m.toks, likeTok{r: m.fold(r), kind: 'c'})
		}
	}
	m.classify()
	return m, nil
}

// classify picks a fast path when the pattern is literals with at most a
// leading and a trailing %.
func (m *LikeMatcher) classify() {
	if m.icase {
		return
	}
	var run []rune
	for i, t := range m.toks {
		if t.kind == 'c' {
			run = append(run, t.r)
		}
		if t.kind != 'c' || i == len(m.toks)-1 {
			if len(string(run)) > len(m.literal) && !slices.Contains(run, utf8.RuneError) {
				m.literal = string(run)
			}
			run = run[:0]
		}
	}
	toks := m.toks
	lead := len(toks) > 0 && toks[0].kind == '%'
	if lead {
		toks = toks[1:]
	}
	trail := len(toks) > 0 && toks[len(toks)-1].kind == '%'
	if trail {
		toks = toks[:len(toks)-1]
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind != 'c' || t.r == utf8.RuneError {
			// U+FFFD also matches an invalid byte, which comparing
			// bytes would not find.
			return
		}
		b.WriteRune(t.r)
	}
	m.needle = b.String()
	switch {
	case lead && trail:
		m.kind = likeContains
	case lead:
		m.kind = likeSuffix
	case trail:
		m.kind = likePrefix
	default:
		m.kind = likeExact
	}
}

func (m *LikeMatcher) fold(r rune) rune {
	if m.icase {
		return unicode.ToLower(r)
	}
	return r
}

// Match reports whether s matches the whole pattern.
func (m *LikeMatcher) Match(s string) bool {
	switch m.kind {
	case likeExact:
		return s == m.needle
	case likePrefix:
		return strings.HasPrefix(s, m.needle)
	case likeSuffix:
		return strings.HasSuffix(s, m.needle)
	case likeContains:
		return strings.Contains(s, m.needle)
	}
	if m.literal != "" && !strings.Contains(s, m.literal) {
		return false
	}
	// Greedy matching that backtracks only to the most recent %: linear in
	// practice and O(len(s)*len(pattern)) at worst. It walks s's bytes and
	// decodes a character where a token needs one: converting s to runes
	// first was two fifths of a LIKE over a column of URLs.
	toks := m.toks
	si, ti := 0, 0
	starT, starS := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case '%':
				if ti == len(toks)-1 {
					return true
				}
				starT, ti = ti, ti+1
				if si = m.next(s, si, toks[ti]); si < 0 {
					return false
				}
				starS = si
				continue
			case '_':
				si += runeLen(s, si)
				ti++
				continue
			default:
				r, n := rune(s[si]), 1
				if r >= utf8.RuneSelf {
					r, n = utf8.DecodeRuneInString(s[si:])
				}
				if m.fold(r) == t.r {
					si += n
					ti++
					continue
				}
			}
		}
		if starT < 0 {
			return false
		}
		if starS = m.next(s, starS+runeLen(s, starS), toks[starT+1]); starS < 0 {
			return false
		}
		si, ti = starS, starT+1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// next returns the first position from i on where the token after a %
// can match: for a literal character of a case-sensitive pattern, its
// next occurrence (strings.IndexRune skips to it), else i itself; -1 when
// there is none, and so no match.
func (m *LikeMatcher) next(s string, i int, t likeTok) int {
	if i > len(s) {
		return -1
	}
	if t.kind != 'c' || m.icase {
		return i
	}
	j := strings.IndexRune(s[i:], t.r)
	if j < 0 {
		return -1
	}
	return i + j
}

// runeLen returns the length in bytes of the character at s[i:].
func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

// Like reports whether s matches pattern under LIKE (or ILIKE when
// caseInsensitive); see CompileLike for the pattern syntax.
func Like(s, pattern, escape string, caseInsensitive bool) (bool, error) {
	m, err := CompileLike(pattern, escape, caseInsensitive)
	if err != nil {
		return false, err
	}
	return m.Match(s), nil
}
