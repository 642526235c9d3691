package fn

import (
	"errors"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// SQLSTATE codes this package reports that sqlerr does not name. They are
// PostgreSQL's codes for the same conditions.
const (
	codeUndefinedObject  = "42704" // unknown type name
	codeCannotCoerce     = "42846" // no cast between two types
	codeInvalidArgument  = "22023" // invalid_parameter_value
	codeInvalidPowerArg  = "2201F" // invalid_argument_for_power_function
	codeInvalidLogArg    = "2201E" // invalid_argument_for_logarithm
	codeDatetimeOverflow = "22008" // datetime_field_overflow
	codeSubstringError   = "22011" // substring_error
	codeInvalidEscape    = "22025" // invalid_escape_sequence
)

// errNoFunction reports a function applied to argument kinds it does not
// accept, the way PostgreSQL reports a function that does not exist.
func errNoFunction(name string, args []types.Value) error {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Kind().String())
	}
	// Built without fmt: a lenient call (plan.Call) makes and drops one
	// per row of the wrong kind.
	return &sqlerr.Error{Code: sqlerr.UndefinedFunction, Message: "function " + name + "(" + b.String() + ") does not exist"}
}

// errNoOperator reports an operator applied to kinds it does not accept.
func errNoOperator(op string, a, b types.Value) error {
	return &sqlerr.Error{Code: sqlerr.UndefinedFunction, Message: "operator does not exist: " + a.Kind().String() + " " + op + " " + b.Kind().String()}
}

// IsKindMismatch reports whether err is an operator's or a function's
// refusal of an argument's kind (errNoFunction, errNoOperator): a lenient
// call (plan.Call) turns it into NULL.
func IsKindMismatch(err error) bool {
	var e *sqlerr.Error
	return errors.As(err, &e) && e.Code == sqlerr.UndefinedFunction
}

func errOutOfRange(what string) error {
	return sqlerr.New(sqlerr.NumericOutOfRange, "%s out of range", what)
}

func errDivByZero() error { return sqlerr.New(sqlerr.DivisionByZero, "division by zero") }

// isNull reports whether v is NULL or undefined, which every operator and
// function treats alike.
func isNull(v types.Value) bool { return v.Kind() <= types.KindNull }
