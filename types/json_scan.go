package types

import (
	"errors"
	"fmt"
)

// ScanObject walks the JSON object starting at b[i] without decoding its
// values: for each member it calls fn with the (unescaped) name and the
// offset of the value; fn returns the offset just past the value. It returns
// the offset just past the object. Request envelopes such as {"data": [...]}
// are read this way, so that each document inside decodes on its own.
func (d *Decoder) ScanObject(b []byte, i int, fn func(name string, valueStart int) (int, error)) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return i, &SyntaxError{Offset: i, Msg: "expected a JSON object"}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, &SyntaxError{Offset: i, Msg: "expected a string field name"}
		}
		name, end, err := d.str(b, i)
		if err != nil {
			return i, err
		}
		name = string(append([]byte(nil), name...))
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return i, &SyntaxError{Offset: i, Msg: "expected ':' after field name"}
		}
		i = skipSpace(b, i+1)
		end, err = fn(name, i)
		if err != nil {
			return i, err
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		return i, &SyntaxError{Offset: i, Msg: "expected ',' or '}' in object"}
	}
}

// ScanArray walks the JSON array starting at b[i]: for each element it calls
// fn with the element's index and offset; fn returns the offset just past the
// element. It returns the offset just past the array.
func ScanArray(b []byte, i int, fn func(n, elemStart int) (int, error)) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '[' {
		return i, &SyntaxError{Offset: i, Msg: "expected a JSON array"}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		end, err := fn(n, i)
		if err != nil {
			return i, err
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		if i >= len(b) {
			return i, &SyntaxError{Offset: i, Msg: "unexpected end of input in array"}
		}
		return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("expected ',' or ']' in array, got %s", quoteChar(b[i]))}
	}
}

// SkipSpace returns the offset of the first non-space byte at or after i.
func SkipSpace(b []byte, i int) int { return skipSpace(b, i) }

// ScalarMember returns the value of the member name of the JSON object that
// b holds (white space around it allowed) when that value is a string or a
// number, decoded as a Decoder decodes them. It is meant for documents a
// Decoder refused (too deep, too large, a bad field name elsewhere), to still
// find their _id: one pass over the object's top level that steps over the
// other members' values with SkipValue, so no nesting depth makes it recurse
// and no width makes it allocate; its cost is at most that of the SkipValue
// that DecodeAt ran over the refused document. A member name that is not
// valid UTF-8 is stepped over. It reports false when b does not hold an
// object, when the member is absent, appears more than once (which of them
// names the document is then unknowable), is of another kind or is itself
// not acceptable (a string that is not UTF-8, a number out of range), or when
// the scan meets malformed JSON.
func ScalarMember(b []byte, name string) (Value, bool) {
	var d Decoder // str uses no decoder state
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return Undefined, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return Undefined, false
	}
	var found Value
	seen := false
	for {
		if i >= len(b) || b[i] != '"' {
			return Undefined, false
		}
		key, end, err := d.str(b, i)
		if err != nil {
			var de *DocError
			if !errors.As(err, &de) {
				return Undefined, false
			}
			// Not UTF-8, so not name: step over it.
			if end, err = SkipValue(b, i); err != nil {
				return Undefined, false
			}
			key = ""
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return Undefined, false
		}
		i = skipSpace(b, i+1)
		end, err = SkipValue(b, i)
		if err != nil {
			return Undefined, false
		}
		if key == name && key != "" {
			if seen {
				return Undefined, false
			}
			seen = true
			found = scalarAt(&d, b, i, end)
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' && skipSpace(b, i+1) == len(b) {
			return found, !found.IsUndefined()
		}
		return Undefined, false
	}
}

// scalarAt decodes the string or number b[i:end], or returns Undefined
// when it is neither or is not acceptable.
func scalarAt(d *Decoder, b []byte, i, end int) Value {
	var v Value
	var e int
	var err error
	switch c := b[i]; {
	case c == '"':
		var s string
		s, e, err = d.str(b, i)
		v = String(s)
	case c == '-' || (c >= '0' && c <= '9'):
		v, e, err = number(b, i)
	default:
		return Undefined
	}
	if err != nil || e != end {
		return Undefined
	}
	return v
}
