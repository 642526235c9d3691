package fn

import (
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// ParseArrayText reads PostgreSQL's text form of a one-dimensional array,
// `{1,2,3}`, `{"a b",c,NULL}`, `{}`, into an array of strings (NULL for an
// unquoted NULL), as array_in does before it casts the elements. A JSON
// array (`[1,"a"]`) is read as JSON: Basalt prints arrays so.
func ParseArrayText(s string) (types.Value, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		a, err := parseJSON(t)
		if err != nil || a.Kind() != types.KindArray {
			return types.Value{}, errArrayText(s)
		}
		return a, nil
	}
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return types.Value{}, errArrayText(s)
	}
	body := t[1 : len(t)-1]
	var elems []types.Value
	if strings.TrimSpace(body) == "" {
		return types.Array(elems), nil
	}
	for i := 0; ; {
		for i < len(body) && isArraySpace(body[i]) {
			i++
		}
		var el strings.Builder
		quoted := false
		switch {
		case i < len(body) && body[i] == '"':
			quoted = true
			i++
			for {
				if i >= len(body) {
					return types.Value{}, errArrayText(s)
				}
				c := body[i]
				i++
				if c == '"' {
					break
				}
				if c == '\\' {
					if i >= len(body) {
						return types.Value{}, errArrayText(s)
					}
					c = body[i]
					i++
				}
				el.WriteByte(c)
			}
			for i < len(body) && isArraySpace(body[i]) {
				i++
			}
		default:
			for i < len(body) && body[i] != ',' {
				c := body[i]
				if c == '{' || c == '}' || c == '"' {
					// Nested arrays are not read (Basalt's arrays of
					// arrays are JSON).
					return types.Value{}, errArrayText(s)
				}
				if c == '\\' && i+1 < len(body) {
					i++
					c = body[i]
				}
				el.WriteByte(c)
				i++
			}
		}
		text := el.String()
		if !quoted {
			text = strings.TrimRightFunc(text, func(r rune) bool { return r < 128 && isArraySpace(byte(r)) })
			if text == "" {
				return types.Value{}, errArrayText(s)
			}
		}
		if !quoted && strings.EqualFold(text, "null") {
			elems = append(elems, types.Null)
		} else {
			elems = append(elems, types.String(text))
		}
		if i >= len(body) {
			return types.Array(elems), nil
		}
		if body[i] != ',' {
			return types.Value{}, errArrayText(s)
		}
		i++
	}
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func errArrayText(s string) error {
	return sqlerr.New(sqlerr.InvalidText, "malformed array literal: %q", s)
}

// castArray casts a string holding an array (ParseArrayText) or an array
// to an array whose elements are cast to elem ("" keeps them as they are).
func castArray(v types.Value, elem string) (types.Value, error) {
	a := v
	if v.Kind() == types.KindString {
		var err error
		if a, err = ParseArrayText(v.Str()); err != nil {
			return types.Value{}, err
		}
	}
	if elem == "" {
		return a, nil
	}
	out := make([]types.Value, a.Len())
	for i, e := range a.Elems() {
		c, err := Cast(e, elem)
		if err != nil {
			return types.Value{}, err
		}
		out[i] = c
	}
	return types.Array(out), nil
}
