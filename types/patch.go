package types

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PatchOp is one JSON-Patch operation (RFC 6902) or Basalt's `increment`.
type PatchOp struct {
	Op    string // add, remove, replace, copy, move, test, increment (any case)
	Path  string // JSON pointer (RFC 6901)
	From  string // for copy and move
	Value Value  // for add, replace, test, increment
}

// PatchError says which operation of a patch failed and why.
type PatchError struct {
	Index int // 0-based position of the op in the patch
	Op    string
	Msg   string
}

func (e *PatchError) Error() string {
	return fmt.Sprintf("patch operation %d (%s): %s", e.Index, e.Op, e.Msg)
}

// ParsePointer splits a JSON pointer into unescaped reference tokens.
func ParsePointer(ptr string) ([]string, error) {
	if ptr == "" {
		return nil, nil
	}
	if ptr[0] != '/' {
		return nil, fmt.Errorf("path %q must start with '/'", ptr)
	}
	toks := strings.Split(ptr[1:], "/")
	for i, t := range toks {
		if strings.Contains(t, "~") {
			var b strings.Builder
			for j := 0; j < len(t); j++ {
				if t[j] != '~' {
					b.WriteByte(t[j])
					continue
				}
				if j+1 >= len(t) || (t[j+1] != '0' && t[j+1] != '1') {
					return nil, fmt.Errorf("path %q has an invalid '~' escape", ptr)
				}
				if t[j+1] == '0' {
					b.WriteByte('~')
				} else {
					b.WriteByte('/')
				}
				j++
			}
			toks[i] = b.String()
		}
	}
	return toks, nil
}

// ApplyPatch applies ops to doc in order and returns the new document; doc
// itself is not modified. Either every operation applies or an error (a
// *PatchError) is returned. Field names written by the patch obey the same
// rules as decoded documents (maxNameBytes bounds their length).
func ApplyPatch(doc Value, ops []PatchOp, maxNameBytes int) (Value, error) {
	for i, op := range ops {
		name := strings.ToLower(op.Op)
		fail := func(format string, args ...any) error {
			return &PatchError{Index: i, Op: name, Msg: fmt.Sprintf(format, args...)}
		}
		toks, err := ParsePointer(op.Path)
		if err != nil {
			return Value{}, fail("%v", err)
		}
		if len(toks) == 0 {
			return Value{}, fail("path must not be empty: a patch cannot replace the whole document")
		}
		if name == "add" || name == "replace" || name == "copy" || name == "move" || name == "increment" {
			// Only the last token can be a new field name.
			if err := CheckFieldName(toks[len(toks)-1], maxNameBytes); err != nil && !isArrayToken(toks[len(toks)-1]) {
				return Value{}, fail("%v", err)
			}
		}
		switch name {
		case "add":
			if op.Value.IsUndefined() {
				return Value{}, fail("missing value")
			}
			doc, err = add(doc, toks, op.Value)
		case "remove":
			doc, err = remove(doc, toks)
		case "replace":
			if op.Value.IsUndefined() {
				return Value{}, fail("missing value")
			}
			if _, gerr := get(doc, toks); gerr != nil {
				return Value{}, fail("%v", gerr)
			}
			doc, err = update(doc, toks, func(Value) (Value, error) { return op.Value, nil })
		case "test":
			cur, gerr := get(doc, toks)
			if gerr != nil {
				return Value{}, fail("%v", gerr)
			}
			if !Equal(cur, op.Value) {
				return Value{}, fail("value at %s is %s, not %s", op.Path, cur.JSON(), op.Value.JSON())
			}
		case "copy", "move":
			from, ferr := ParsePointer(op.From)
			if ferr != nil {
				return Value{}, fail("from: %v", ferr)
			}
			if len(from) == 0 {
				return Value{}, fail("from must not be empty")
			}
			v, gerr := get(doc, from)
			if gerr != nil {
				return Value{}, fail("from: %v", gerr)
			}
			if name == "move" {
				if isPrefix(from, toks) && len(from) < len(toks) {
					return Value{}, fail("cannot move %s into its own child %s", op.From, op.Path)
				}
				if doc, err = remove(doc, from); err != nil {
					break
				}
			}
			doc, err = add(doc, toks, v)
		case "increment":
			if !op.Value.Kind().IsNumeric() {
				return Value{}, fail("value must be a number, got %s", op.Value.Kind())
			}
			cur, gerr := get(doc, toks)
			if gerr != nil {
				// An absent field starts from zero, as Rockset's INCREMENT did.
				doc, err = add(doc, toks, op.Value)
				break
			}
			sum, serr := addNumbers(cur, op.Value)
			if serr != nil {
				return Value{}, fail("%v at %s", serr, op.Path)
			}
			doc, err = update(doc, toks, func(Value) (Value, error) { return sum, nil })
		default:
			return Value{}, fail("unknown operation %q (want add, remove, replace, copy, move, test or increment)", op.Op)
		}
		if err != nil {
			return Value{}, fail("%v", err)
		}
	}
	return doc, nil
}

func isArrayToken(t string) bool {
	if t == "-" {
		return true
	}
	_, err := strconv.Atoi(t)
	return err == nil
}

func isPrefix(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func addNumbers(a, b Value) (Value, error) {
	if !a.Kind().IsNumeric() {
		return Value{}, fmt.Errorf("cannot increment a %s", a.Kind())
	}
	if a.kind == KindInt && b.kind == KindInt {
		x, y := a.Int(), b.Int()
		s := x + y
		if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) {
			return Value{}, fmt.Errorf("integer overflow")
		}
		return Int(s), nil
	}
	s := a.Float() + b.Float()
	if math.IsInf(s, 0) {
		return Value{}, fmt.Errorf("float overflow")
	}
	return Float(s), nil
}

func pointerOf(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}

// get returns the value at toks, or an error naming the first missing step.
func get(v Value, toks []string) (Value, error) {
	for i, t := range toks {
		switch v.kind {
		case KindObject:
			next := v.Get(t)
			if next.IsUndefined() {
				return Value{}, fmt.Errorf("path %s does not exist", pointerOf(toks[:i+1]))
			}
			v = next
		case KindArray:
			idx, err := arrayIndex(t, v.Len(), false)
			if err != nil {
				return Value{}, fmt.Errorf("path %s: %v", pointerOf(toks[:i+1]), err)
			}
			v = v.Elems()[idx]
		default:
			return Value{}, fmt.Errorf("path %s does not exist (%s is a %s)", pointerOf(toks[:i+1]), pointerOf(toks[:i]), v.kind)
		}
	}
	return v, nil
}

func arrayIndex(t string, n int, forAdd bool) (int, error) {
	if t == "-" {
		if forAdd {
			return n, nil
		}
		return 0, fmt.Errorf("'-' names no existing element")
	}
	if t == "" || (len(t) > 1 && t[0] == '0') {
		return 0, fmt.Errorf("invalid array index %q", t)
	}
	i, err := strconv.Atoi(t)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("invalid array index %q", t)
	}
	if i > n || (!forAdd && i == n) {
		return 0, fmt.Errorf("array index %d is out of range (length %d)", i, n)
	}
	return i, nil
}

// update rebuilds the path to toks, replacing the existing value there with
// fn's result.
func update(v Value, toks []string, fn func(Value) (Value, error)) (Value, error) {
	if len(toks) == 0 {
		return fn(v)
	}
	t := toks[0]
	switch v.kind {
	case KindObject:
		cur := v.Get(t)
		if cur.IsUndefined() {
			return Value{}, fmt.Errorf("path /%s does not exist", escapePointer(t))
		}
		nv, err := update(cur, toks[1:], fn)
		if err != nil {
			return Value{}, err
		}
		return v.WithField(t, nv), nil
	case KindArray:
		idx, err := arrayIndex(t, v.Len(), false)
		if err != nil {
			return Value{}, err
		}
		nv, err := update(v.Elems()[idx], toks[1:], fn)
		if err != nil {
			return Value{}, err
		}
		elems := append([]Value(nil), v.Elems()...)
		elems[idx] = nv
		return Array(elems), nil
	}
	return Value{}, fmt.Errorf("path /%s does not exist (parent is a %s)", escapePointer(t), v.kind)
}

func add(doc Value, toks []string, val Value) (Value, error) {
	parent, last := toks[:len(toks)-1], toks[len(toks)-1]
	if _, err := get(doc, parent); err != nil {
		return Value{}, err
	}
	return update(doc, parent, func(p Value) (Value, error) {
		switch p.kind {
		case KindObject:
			return p.WithField(last, val), nil
		case KindArray:
			idx, err := arrayIndex(last, p.Len(), true)
			if err != nil {
				return Value{}, fmt.Errorf("path %s: %v", pointerOf(toks), err)
			}
			old := p.Elems()
			elems := make([]Value, 0, len(old)+1)
			elems = append(elems, old[:idx]...)
			elems = append(elems, val)
			elems = append(elems, old[idx:]...)
			return Array(elems), nil
		}
		return Value{}, fmt.Errorf("path %s: parent %s is a %s", pointerOf(toks), pointerOf(parent), p.kind)
	})
}

func remove(doc Value, toks []string) (Value, error) {
	if _, err := get(doc, toks); err != nil {
		return Value{}, err
	}
	parent, last := toks[:len(toks)-1], toks[len(toks)-1]
	return update(doc, parent, func(p Value) (Value, error) {
		if p.kind == KindObject {
			return p.WithoutField(last), nil
		}
		idx, err := arrayIndex(last, p.Len(), false)
		if err != nil {
			return Value{}, err
		}
		old := p.Elems()
		elems := make([]Value, 0, len(old)-1)
		elems = append(elems, old[:idx]...)
		elems = append(elems, old[idx+1:]...)
		return Array(elems), nil
	})
}
