// Package alerts groups detection matches into alerts and keeps their lifecycle.
//
// An alert groups the matches of one detection with one dedup string in one window. Windows
// are on event time (p_event_time), aligned to the Unix epoch in steps of the detection's
// dedup period: with 60 minutes, each UTC hour is a window; with 1440, each UTC day. The alert
// ID is a hash of (type, detection, dedup string, window start), so the same events give the
// same alerts whatever order they arrive in, live or in a replay, on one node or many, and a
// late event joins the alert of its window.
//
// An alert is raised (listed, and delivered) once its window holds Threshold matches, or
// Threshold distinct unique() values when the rule defines unique(); it then carries every
// match of the window, including those before the threshold. Rule errors (RULE_ERROR) and
// policy failures (POLICY) have no threshold.
//
// The generated fields (title, severity, description, ...) of an alert come from its
// representative match: the one with the earliest event time, ties broken by title. Panther
// took them from the first match processed; choosing by event time keeps alerts independent
// of arrival order.
package alerts

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Type is the kind of an alert.
type Type string

// The alert types.
const (
	TypeRule      Type = "RULE"
	TypeRuleError Type = "RULE_ERROR"
	TypePolicy    Type = "POLICY"
)

// Status is where an alert is in its lifecycle.
type Status string

// The statuses.
const (
	StatusOpen     Status = "OPEN"
	StatusTriaged  Status = "TRIAGED"
	StatusClosed   Status = "CLOSED"
	StatusResolved Status = "RESOLVED"
)

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, bool) {
	switch st := Status(s); st {
	case StatusOpen, StatusTriaged, StatusClosed, StatusResolved:
		return st, true
	}
	return "", false
}

// Match is one detection match (or rule error, or policy failure) to record.
type Match struct {
	Type        Type
	DetectionID string
	DisplayName string
	EventTime   time.Time
	LogType     string // empty for policies
	// LogTypes are more log types of the match: those of a correlation rule's member matches.
	LogTypes []string
	// DedupPeriod is the window length; zero means 60 minutes.
	DedupPeriod time.Duration
	// Threshold is the matches (or unique values) needed to raise the alert; < 1 means 1.
	Threshold int

	// The generated fields, after production defaults.
	Title        string
	Dedup        string
	Severity     string // upper case
	Description  string
	Reference    string
	Runbook      string
	Context      json.RawMessage // alert_context, may be nil
	Destinations []string        // destinations() override, nil for none
	OutputIDs    []string        // the detection's OutputIds
	Tags         []string
	Reports      map[string][]string
	ErrorMessage string // rule errors: the exception with file and line

	// Unique is the unique() value; HasUnique is true when the rule defines unique().
	Unique    string
	HasUnique bool

	// EventKey identifies the matched event (a hash of its content). A match whose event was
	// already counted in its alert is not counted again, so replaying events, or re-running an
	// interrupted ingest, does not inflate counts or raise alerts twice. Empty: always counted.
	EventKey string
}

// Alert is a recorded alert.
type Alert struct {
	ID             string              `json:"id"`
	Type           Type                `json:"type"`
	DetectionID    string              `json:"detectionId"`
	DisplayName    string              `json:"displayName,omitempty"`
	Title          string              `json:"title"`
	Severity       string              `json:"severity"`
	Description    string              `json:"description,omitempty"`
	Reference      string              `json:"reference,omitempty"`
	Runbook        string              `json:"runbook,omitempty"`
	Context        json.RawMessage     `json:"context,omitempty"`
	Destinations   []string            `json:"destinationOverride,omitempty"`
	OutputIDs      []string            `json:"outputIds,omitempty"`
	Tags           []string            `json:"tags,omitempty"`
	Reports        map[string][]string `json:"reports,omitempty"`
	ErrorMessage   string              `json:"errorMessage,omitempty"`
	Dedup          string              `json:"dedup"`
	WindowStart    time.Time           `json:"windowStart"`
	WindowEnd      time.Time           `json:"windowEnd"`
	Threshold      int                 `json:"threshold"`
	EventCount     int64               `json:"eventCount"`
	UniqueCount    int64               `json:"uniqueCount,omitempty"`
	FirstEventTime time.Time           `json:"firstEventTime"`
	LastEventTime  time.Time           `json:"lastEventTime"`
	LogTypes       []string            `json:"logTypes,omitempty"`
	Raised         bool                `json:"-"`
	Status         Status              `json:"status"`
	Assignee       string              `json:"assignee,omitempty"`
	CreatedAt      time.Time           `json:"createdAt"` // when it was raised
	UpdatedAt      time.Time           `json:"updatedAt"`

	repKey     string
	usesUnique bool
	justRaised bool
}

// windowOf returns the start of the epoch-aligned window of t.
func windowOf(t time.Time, period time.Duration) time.Time {
	ns := t.UnixNano()
	p := int64(period)
	w := ns - ns%p
	if ns < 0 && ns%p != 0 {
		w -= p
	}
	return time.Unix(0, w).UTC()
}

// ID returns the alert ID of a match: the MD5 hex of its type, detection, dedup string and
// window start.
func ID(m *Match) string {
	start := windowOf(m.EventTime, period(m))
	h := md5.New()
	h.Write([]byte(m.Type))
	h.Write([]byte{0})
	h.Write([]byte(m.DetectionID))
	h.Write([]byte{0})
	h.Write([]byte(m.Dedup))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(start.Unix(), 10)))
	return hex.EncodeToString(h.Sum(nil))
}

func period(m *Match) time.Duration {
	if m.DedupPeriod <= 0 {
		return time.Hour
	}
	return m.DedupPeriod
}

func threshold(m *Match) int {
	if m.Type != TypeRule || m.Threshold < 1 {
		return 1
	}
	return m.Threshold
}
