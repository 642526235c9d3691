package types

import (
	"fmt"
	"strconv"
	"strings"
)

// A field path names a place inside a document: `user.device.os`, `tags[1]`,
// `items[*].qty`. Columns and inverted-index entries are keyed by the
// canonical text of a path. Segments that are not plain identifiers are
// double-quoted, with inner quotes doubled, as SQL quotes identifiers:
// a field named "a.b" inside "x" is `x."a.b"`.

// PathElem is one step of a path: a field name, a 1-based array index, or the
// array wildcard `[*]` (every element).
type PathElem struct {
	Name     string
	Index    int // 1-based; meaningful when IsIndex
	IsIndex  bool
	Wildcard bool
}

// Path is a parsed field path.
type Path []PathElem

// WildcardSegment is appended to an array's path to name its elements in the
// inverted index (`tags[*]` is not used for scalar elements, which index
// under the array's own path; objects inside arrays index their fields under
// `items[*].qty`).
const WildcardSegment = "[*]"

// AppendPathField appends field name to the canonical path text in dst.
func AppendPathField(dst []byte, name string) []byte {
	if len(dst) > 0 {
		dst = append(dst, '.')
	}
	if isPlainIdent(name) {
		return append(dst, name...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		if name[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, name[i])
	}
	return append(dst, '"')
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// String returns the canonical text of p.
func (p Path) String() string {
	var b []byte
	for _, e := range p {
		switch {
		case e.Wildcard:
			b = append(b, WildcardSegment...)
		case e.IsIndex:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(e.Index), 10)
			b = append(b, ']')
		default:
			b = AppendPathField(b, e.Name)
		}
	}
	return string(b)
}

// FieldPath returns the path of nested field names.
func FieldPath(names ...string) Path {
	p := make(Path, len(names))
	for i, n := range names {
		p[i] = PathElem{Name: n}
	}
	return p
}

// ParsePath parses the text of a path: identifiers or double-quoted names
// separated by dots, each optionally followed by `[n]` (1-based) or `[*]`.
func ParsePath(s string) (Path, error) {
	var p Path
	i := 0
	expectName := true
	for i < len(s) {
		switch {
		case s[i] == '[':
			if expectName {
				if len(p) == 0 {
					return nil, fmt.Errorf("path %q: an index needs a field before it", s)
				}
				// `a.[1]`: the dot promised a field name.
				return nil, fmt.Errorf("path %q: empty field name at byte %d", s, i)
			}
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("path %q: unclosed '['", s)
			}
			inner := s[i+1 : i+j]
			if inner == "*" {
				p = append(p, PathElem{Wildcard: true})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 1 {
					return nil, fmt.Errorf("path %q: array index %q must be a positive integer (arrays are 1-based)", s, inner)
				}
				p = append(p, PathElem{Index: n, IsIndex: true})
			}
			i += j + 1
			expectName = false
		case s[i] == '.':
			if expectName {
				return nil, fmt.Errorf("path %q: empty field name at byte %d", s, i)
			}
			i++
			expectName = true
		case s[i] == '"':
			if !expectName {
				return nil, fmt.Errorf("path %q: expected '.' before byte %d", s, i)
			}
			var name []byte
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("path %q: unclosed quote", s)
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						name = append(name, '"')
						j += 2
						continue
					}
					break
				}
				name = append(name, s[j])
				j++
			}
			p = append(p, PathElem{Name: string(name)})
			i = j + 1
			expectName = false
		default:
			if !expectName {
				return nil, fmt.Errorf("path %q: expected '.' before byte %d", s, i)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' && s[j] != '"' {
				j++
			}
			p = append(p, PathElem{Name: s[i:j]})
			i = j
			expectName = false
		}
	}
	if expectName {
		return nil, fmt.Errorf("path %q: missing field name", s)
	}
	return p, nil
}

// Eval returns the value at p inside v, or Undefined. A wildcard step is not
// evaluable here (it yields Undefined).
func (p Path) Eval(v Value) Value {
	for _, e := range p {
		switch {
		case e.Wildcard:
			return Undefined
		case e.IsIndex:
			v = v.Index(e.Index - 1)
		default:
			if v.kind != KindObject {
				return Undefined
			}
			v = v.Get(e.Name)
		}
		if v.kind == KindUndefined {
			return v
		}
	}
	return v
}

// Leaf visits one leaf of a flattened document; see Flatten.
type Leaf func(path []byte, v Value)

// Flatten calls fn for every column leaf of doc: each scalar, array or empty
// object reached through nested objects. Arrays are leaves (kept whole); the
// path bytes are only valid during the call.
func Flatten(doc Value, buf []byte, fn Leaf) []byte {
	for _, f := range doc.Fields() {
		n := len(buf)
		buf = AppendPathField(buf, f.Name)
		if f.Value.kind == KindObject && f.Value.num > 0 {
			buf = Flatten(f.Value, buf, fn)
		} else {
			fn(buf, f.Value)
		}
		buf = buf[:n]
	}
	return buf
}

// IndexTerms calls fn for every scalar the inverted index keeps for the leaf
// v at path: the scalar itself under path; each scalar element of an array
// under `path[*]` (what array-contains looks up, kept apart from equality on
// path); objects inside arrays under `path[*].field`, and arrays inside
// arrays under `path[*][*]`. It returns the path buffer, which it may have
// grown; the path bytes given to fn are only valid during the call.
func IndexTerms(path []byte, v Value, fn Leaf) []byte {
	switch v.kind {
	case KindArray:
		return indexArray(path, v, fn)
	case KindObject:
		// An empty object leaf has nothing to index.
		return path
	}
	fn(path, v)
	return path
}

func indexArray(path []byte, v Value, fn Leaf) []byte {
	n := len(path)
	path = append(path, WildcardSegment...)
	for _, e := range v.Elems() {
		switch e.kind {
		case KindArray:
			path = indexArray(path, e, fn)
		case KindObject:
			path = indexObject(path, e, fn)
		default:
			fn(path, e)
		}
	}
	return path[:n]
}

func indexObject(path []byte, v Value, fn Leaf) []byte {
	for _, f := range v.Fields() {
		n := len(path)
		path = AppendPathField(path, f.Name)
		switch f.Value.kind {
		case KindArray:
			path = indexArray(path, f.Value, fn)
		case KindObject:
			path = indexObject(path, f.Value, fn)
		default:
			fn(path, f.Value)
		}
		path = path[:n]
	}
	return path
}
