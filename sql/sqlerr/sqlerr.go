// Package sqlerr holds the SQL error type every SQL layer returns, with the
// PostgreSQL SQLSTATE code both protocol faces report (pgwire as is, the HTTP
// API mapped to Rockset's error types in one place).
package sqlerr

import (
	"errors"
	"fmt"
)

// SQLSTATE codes Basalt uses.
const (
	Syntax                = "42601"
	UndefinedTable        = "42P01"
	UndefinedColumn       = "42703"
	UndefinedFunction     = "42883"
	AmbiguousColumn       = "42702"
	DuplicateColumn       = "42701"
	Grouping              = "42803"
	Windowing             = "42P20" // misplaced window function, bad window clause
	WrongObjectType       = "42809" // e.g. a window function without OVER
	UndefinedObject       = "42704" // e.g. an unknown named window
	DatatypeMismatch      = "42804"
	InvalidParameter      = "42P02"
	InvalidColumnRef      = "42P10" // ORDER BY/GROUP BY position out of range
	FeatureNotSupported   = "0A000"
	DataException         = "22000"
	DivisionByZero        = "22012"
	NumericOutOfRange     = "22003"
	InvalidText           = "22P02" // invalid_text_representation: bad cast input
	InvalidDatetime       = "22007"
	InvalidRegex          = "2201B"
	ArraySubscript        = "2202E"
	InvalidLimit          = "2201W" // invalid_row_count_in_limit_clause
	InvalidOffset         = "2201X" // invalid_row_count_in_result_offset_clause
	CardinalityViolation  = "21000" // more than one row from a scalar subquery
	QueryCanceled         = "57014"
	OutOfMemory           = "53200"
	ProgramLimit          = "54000"
	InsufficientPrivilege = "42501"
	Internal              = "XX000"
)

// Error is an error with a SQLSTATE code and, for errors in the query text,
// the 1-based line and column where it was found (0 when unknown).
type Error struct {
	Code    string
	Message string
	Line    int
	Column  int
	// Timeout marks a QueryCanceled error caused by the query's time limit
	// rather than by a cancel request.
	Timeout bool
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d, column %d)", e.Message, e.Line, e.Column)
	}
	return e.Message
}

// New returns an error with code and a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// At returns an error located at a line and column of the query text.
func At(code string, line, col int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Line: line, Column: col}
}

// CodeOf returns the SQLSTATE of err, Internal when it carries none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as an *Error, wrapping a plain error as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: err.Error()}
}

// Position converts a 0-based byte offset in text to a 1-based line and
// column (columns count bytes).
func Position(text string, offset int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < offset && i < len(text); i++ {
		if text[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
