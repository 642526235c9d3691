package types

import "fmt"

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
