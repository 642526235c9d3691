package catalog

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // time zones for event_time_info without relying on the host
)

// DefaultWorkspace exists from the first start and cannot be dropped.
const DefaultWorkspace = "commons"

// MinRetention is the shortest retention a collection may have, as in
// Rockset.
const MinRetention = time.Hour

// DefaultPartitionResolution is the width of a time partition when a
// collection does not say.
const DefaultPartitionResolution = 24 * time.Hour

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// CheckName validates a workspace or collection name.
func CheckName(kind, name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: %s name %q must be 1 to 100 letters, digits, '_' or '-'", ErrInvalid, kind, name)
	}
	return nil
}

// Event time formats.
const (
	FormatISO8601 = "iso-8601"
	FormatSeconds = "seconds_since_epoch"
	FormatMillis  = "milliseconds_since_epoch"
	FormatMicros  = "microseconds_since_epoch"
)

// EventTimeInfo maps a document field to `_event_time`.
type EventTimeInfo struct {
	Field    string `json:"field"`
	Format   string `json:"format,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
}

// Normalize validates the mapping and fills defaults (ISO-8601, UTC).
func (e *EventTimeInfo) Normalize() error {
	if e.Field == "" {
		return fmt.Errorf("%w: event_time_info.field is required", ErrInvalid)
	}
	switch strings.ToLower(e.Format) {
	case "", "iso8601", "iso-8601", "iso_8601":
		e.Format = FormatISO8601
	case FormatSeconds, FormatMillis, FormatMicros:
		e.Format = strings.ToLower(e.Format)
	default:
		return fmt.Errorf("%w: event_time_info.format %q is not one of iso-8601, seconds_since_epoch, milliseconds_since_epoch, microseconds_since_epoch", ErrInvalid, e.Format)
	}
	if e.TimeZone == "" {
		e.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(e.TimeZone); err != nil {
		return fmt.Errorf("%w: event_time_info.time_zone %q is not a known time zone", ErrInvalid, e.TimeZone)
	}
	return nil
}

// CollectionSpec is what a create-collection request asks for.
type CollectionSpec struct {
	Name                string
	Description         string
	RetentionSecs       int64 // 0: keep forever
	EventTimeInfo       *EventTimeInfo
	PartitionResolution time.Duration // 0: default
	// Sources stream documents into the collection; their integrations
	// must exist. Ids are assigned on creation.
	Sources []Source
	// FieldMappingQuery is the ingest transformation (`SELECT … FROM
	// _input`), validated by the caller: the catalog cannot parse SQL.
	FieldMappingQuery string
}

// Validate checks the spec and fills defaults.
func (s *CollectionSpec) Validate() error {
	if err := CheckName("collection", s.Name); err != nil {
		return err
	}
	if s.RetentionSecs < 0 {
		return fmt.Errorf("%w: retention_secs must not be negative", ErrInvalid)
	}
	if s.RetentionSecs > 0 && time.Duration(s.RetentionSecs)*time.Second < MinRetention {
		return fmt.Errorf("%w: retention_secs %d is below the minimum of %d", ErrInvalid, s.RetentionSecs, int64(MinRetention/time.Second))
	}
	if s.EventTimeInfo != nil {
		if err := s.EventTimeInfo.Normalize(); err != nil {
			return err
		}
	}
	if s.PartitionResolution == 0 {
		s.PartitionResolution = DefaultPartitionResolution
	}
	if s.PartitionResolution < time.Hour || s.PartitionResolution%time.Hour != 0 || s.PartitionResolution > 366*24*time.Hour {
		return fmt.Errorf("%w: time_partition_resolution_secs must be a whole number of hours between 3600 and 31622400", ErrInvalid)
	}
	return nil
}
