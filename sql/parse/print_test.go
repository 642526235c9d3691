package parse

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// format prints an AST node as an indented tree for golden files: one node
// per line, its scalar fields inline (zero values left out, positions as
// @N), its child nodes on the following lines labelled with their field.
func format(node any) string {
	var b strings.Builder
	printNode(&b, 0, "", reflect.ValueOf(node))
	return b.String()
}

var valueType = reflect.TypeOf(types.Value{})

func printNode(b *strings.Builder, depth int, label string, v reflect.Value) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	indent := strings.Repeat("  ", depth)
	b.WriteString(indent)
	if label != "" {
		b.WriteString(label + ": ")
	}
	if v.Kind() == reflect.Slice { // a row of VALUES
		b.WriteString("Row\n")
		for j := 0; j < v.Len(); j++ {
			printNode(b, depth+1, fmt.Sprintf("[%d]", j), v.Index(j))
		}
		return
	}
	if v.Kind() != reflect.Struct {
		b.WriteString(scalar(v) + "\n")
		return
	}
	t := v.Type()
	b.WriteString(t.Name())
	type child struct {
		label string
		v     reflect.Value
	}
	var children []child
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		switch {
		case f.Name == "Pos":
			fmt.Fprintf(b, " @%d", fv.Int())
		case f.Type == valueType:
			b.WriteString(" " + formatValue(fv.Interface().(types.Value)))
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			if fv.Len() > 0 {
				var parts []string
				for j := 0; j < fv.Len(); j++ {
					parts = append(parts, strconv.Quote(fv.Index(j).String()))
				}
				fmt.Fprintf(b, " %s=[%s]", f.Name, strings.Join(parts, " "))
			}
		case f.Type.Kind() == reflect.Slice:
			for j := 0; j < fv.Len(); j++ {
				children = append(children, child{fmt.Sprintf("%s[%d]", f.Name, j), fv.Index(j)})
			}
		case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Bool:
			if !fv.IsNil() {
				fmt.Fprintf(b, " %s=%v", f.Name, fv.Elem().Bool())
			}
		case f.Type.Kind() == reflect.Pointer || f.Type.Kind() == reflect.Interface || f.Type.Kind() == reflect.Struct:
			if !fv.IsZero() {
				children = append(children, child{f.Name, fv})
			}
		default:
			if !fv.IsZero() {
				fmt.Fprintf(b, " %s=%s", f.Name, scalar(fv))
			}
		}
	}
	b.WriteString("\n")
	for _, c := range children {
		printNode(b, depth+1, c.label, c.v)
	}
}

func scalar(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return strconv.Quote(v.String())
	}
	return fmt.Sprint(v.Interface())
}

func formatValue(v types.Value) string {
	switch v.Kind() {
	case types.KindNull:
		return "NULL"
	case types.KindBool:
		return strconv.FormatBool(v.Bool())
	case types.KindInt:
		return "int:" + strconv.FormatInt(v.Int(), 10)
	case types.KindFloat:
		return "float:" + strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case types.KindString:
		return "str:" + strconv.Quote(v.Str())
	}
	return v.Kind().String()
}
