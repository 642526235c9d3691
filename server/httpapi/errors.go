package httpapi

import (
	"errors"
	"net/http"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
)

// ErrorType is Rockset's error vocabulary.
type ErrorType string

const (
	ErrInvalidInput     ErrorType = "INVALIDINPUT"
	ErrAuth             ErrorType = "AUTHEXCEPTION"
	ErrForbidden        ErrorType = "FORBIDDEN"
	ErrNotFound         ErrorType = "NOTFOUND"
	ErrAlreadyExists    ErrorType = "ALREADYEXISTS"
	ErrContentTooLarge  ErrorType = "CONTENTTOOLARGE"
	ErrDependent        ErrorType = "DEPENDENTRESOURCES"
	ErrNotImplemented   ErrorType = "NOTIMPLEMENTEDYET"
	ErrMethodNotAllowed ErrorType = "METHODNOTALLOWED"
	ErrUnavailable      ErrorType = "SERVICEUNAVAILABLE"
	ErrResourceExceeded ErrorType = "RESOURCEEXCEEDED"
	ErrInternal         ErrorType = "INTERNALERROR"
)

// statusOf is the HTTP status of each error type.
var statusOf = map[ErrorType]int{
	ErrInvalidInput:     http.StatusBadRequest,
	ErrAuth:             http.StatusUnauthorized,
	ErrForbidden:        http.StatusForbidden,
	ErrNotFound:         http.StatusNotFound,
	ErrAlreadyExists:    http.StatusConflict,
	ErrContentTooLarge:  http.StatusRequestEntityTooLarge,
	ErrDependent:        http.StatusConflict,
	ErrNotImplemented:   http.StatusNotImplemented,
	ErrMethodNotAllowed: http.StatusMethodNotAllowed,
	ErrUnavailable:      http.StatusServiceUnavailable,
	ErrResourceExceeded: http.StatusTooManyRequests,
	ErrInternal:         http.StatusInternalServerError,
}

// APIError is an error with its Rockset type.
type APIError struct {
	Type    ErrorType
	Message string
	// Line and Column locate an error in SQL the request carried (a
	// field_mapping_query), 1-based; 0 when there is none.
	Line, Column int
}

func (e *APIError) Error() string { return e.Message }

func apiError(t ErrorType, msg string) *APIError { return &APIError{Type: t, Message: msg} }

// classify maps an error from the layers below to an API error.
func classify(err error) *APIError {
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, auth.ErrUnauthenticated):
		return apiError(ErrAuth, err.Error())
	case errors.Is(err, auth.ErrForbidden):
		return apiError(ErrForbidden, err.Error())
	case errors.Is(err, catalog.ErrNotFound):
		return apiError(ErrNotFound, err.Error())
	case errors.Is(err, catalog.ErrAlreadyExists):
		return apiError(ErrAlreadyExists, err.Error())
	case errors.Is(err, catalog.ErrInvalid):
		return apiError(ErrInvalidInput, err.Error())
	case errors.Is(err, catalog.ErrDependent):
		return apiError(ErrDependent, err.Error())
	case errors.Is(err, catalog.ErrNotSupported):
		return apiError(ErrNotImplemented, err.Error())
	case errors.Is(err, storage.ErrClosed):
		return apiError(ErrUnavailable, "the server is shutting down")
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apiError(ErrContentTooLarge, "request body is larger than the limit of "+itoa(mbe.Limit)+" bytes")
	}
	return apiError(ErrInternal, err.Error())
}
