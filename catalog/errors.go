package catalog

import "errors"

// Error classes callers map to API errors.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrInvalid       = errors.New("invalid input")
	ErrDependent     = errors.New("dependent resources")
	ErrNotSupported  = errors.New("not implemented yet")
)
