// Package notify is the destination side of alert delivery: the alert as a
// destination sees it, the one Notifier interface every destination
// implements, the standard notification content that Panther sends
// (titles, the standard JSON document and the detailed plain text), shared
// HTTP helpers that classify failures as retryable or permanent, and a
// registry of destination types with their config field specs.
//
// Each destination lives in its own subpackage (notify/slack,
// notify/pagerduty, ...); notify/destinations assembles them into a
// registry. No error or log line produced here carries a secret: URLs are
// redacted and declared secrets are scrubbed from response bodies.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Alert types, as recorded on the alert.
const (
	TypeRule      = "RULE"
	TypeRuleError = "RULE_ERROR"
	TypePolicy    = "POLICY"
)

// Severities, from lowest to highest.
const (
	SeverityInfo     = "INFO"
	SeverityLow      = "LOW"
	SeverityMedium   = "MEDIUM"
	SeverityHigh     = "HIGH"
	SeverityCritical = "CRITICAL"
)

// Severities lists every valid severity from lowest to highest.
var Severities = []string{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// AlertTypes lists every valid alert type.
var AlertTypes = []string{TypeRule, TypeRuleError, TypePolicy}

// ValidSeverity reports whether s is one of Severities.
func ValidSeverity(s string) bool { return contains(Severities, s) }

// ValidAlertType reports whether s is one of AlertTypes.
func ValidAlertType(s string) bool { return contains(AlertTypes, s) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Alert is what a destination is told about one alert: the content of the
// standard notification of Panther (reference section 6.4) plus the counts a
// destination may want to show.
type Alert struct {
	// ID is the alert id (alertId in the standard notification).
	ID string
	// DetectionID is the id of the rule or policy (id in the standard notification).
	DetectionID string
	// Type is one of TypeRule, TypeRuleError or TypePolicy.
	Type string
	// Severity is one of Severities.
	Severity string
	// Title is the generated title of the alert, if the detection made one.
	Title string
	// Name is the display name of the detection.
	Name string
	// Description, Runbook and Reference come from the detection.
	Description string
	Runbook     string
	Reference   string
	// Tags are the detection's tags.
	Tags []string
	// AlertContext is the detection's alert_context() result.
	AlertContext map[string]any
	// CreatedAt is when the alert was created.
	CreatedAt time.Time
	// Link is the URL of the alert in the UI.
	Link string
	// Version is the version of the detection that created the alert.
	Version string
	// LogTypes are the log types of the matched events.
	LogTypes []string
	// EventCount is the number of events matched so far.
	EventCount int
	// Resent marks a manual re-delivery; titles get the "[Re-sent]: " prefix.
	Resent bool
	// ResourceID and ResourceTypes describe the resource of a policy alert.
	ResourceID    string
	ResourceTypes []string
}

// Notifier delivers one alert to one destination.
//
// A nil error means the destination accepted the alert. Otherwise retryable
// tells whether sending the same alert again may succeed (network errors,
// timeouts, HTTP 429 and 5xx) or not (bad config, HTTP 4xx, an alert that
// cannot be serialised). Errors never contain secrets of the destination.
type Notifier interface {
	Notify(ctx context.Context, a *Alert) (retryable bool, err error)
}

// NotifierFunc is an adapter to allow the use of ordinary functions as
// Notifiers.
type NotifierFunc func(ctx context.Context, a *Alert) (bool, error)

// Notify calls f(ctx, a).
func (f NotifierFunc) Notify(ctx context.Context, a *Alert) (bool, error) { return f(ctx, a) }

// DisplayName is the name shown for the detection of a: its display name,
// else its id.
func DisplayName(a *Alert) string {
	if a.Name != "" {
		return a.Name
	}
	return a.DetectionID
}

// Title is the notification title of a: "New Alert: ", "New rule error: " or
// "Policy Failure: " followed by the alert title (policies: the display
// name), with the "[Re-sent]: " prefix for re-deliveries.
func Title(a *Alert) string {
	var t string
	switch a.Type {
	case TypePolicy:
		t = "Policy Failure: " + firstNonEmpty(a.Name, a.Title, a.DetectionID)
	case TypeRuleError:
		t = "New rule error: " + firstNonEmpty(a.Title, a.Name, a.DetectionID)
	default:
		t = "New Alert: " + firstNonEmpty(a.Title, a.Name, a.DetectionID)
	}
	if a.Resent {
		t = "[Re-sent]: " + t
	}
	return t
}

// OneLine returns s with every line break replaced by a space, for
// destinations whose titles must be a single line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)), " ")
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// Message is the first line of the detailed text: "<name> triggered",
// "<name> encountered an error" or "<name> failed on new resources".
func Message(a *Alert) string {
	switch a.Type {
	case TypePolicy:
		return DisplayName(a) + " failed on new resources"
	case TypeRuleError:
		return DisplayName(a) + " encountered an error"
	default:
		return DisplayName(a) + " triggered"
	}
}

// StandardNotification is the standard notification JSON document that
// webhooks, SQS, SNS and PagerDuty's custom_details carry. Every key is
// always present; nil arrays and objects are encoded as empty ones.
type StandardNotification struct {
	ID           string         `json:"id"`
	CreatedAt    time.Time      `json:"createdAt"`
	Severity     string         `json:"severity"`
	Type         string         `json:"type"`
	Link         string         `json:"link"`
	Title        string         `json:"title"`
	Name         string         `json:"name"`
	AlertID      string         `json:"alertId"`
	AlertContext map[string]any `json:"alertContext"`
	Description  string         `json:"description"`
	Runbook      string         `json:"runbook"`
	Tags         []string       `json:"tags"`
	Version      string         `json:"version"`
}

// Standard returns the standard notification of a.
func Standard(a *Alert) StandardNotification {
	n := StandardNotification{
		ID:           a.DetectionID,
		CreatedAt:    a.CreatedAt.UTC(),
		Severity:     a.Severity,
		Type:         a.Type,
		Link:         a.Link,
		Title:        Title(a),
		Name:         DisplayName(a),
		AlertID:      a.ID,
		AlertContext: a.AlertContext,
		Description:  a.Description,
		Runbook:      a.Runbook,
		Tags:         a.Tags,
		Version:      a.Version,
	}
	if n.AlertContext == nil {
		n.AlertContext = map[string]any{}
	}
	if n.Tags == nil {
		n.Tags = []string{}
	}
	return n
}

// StandardJSON returns the standard notification of a encoded as JSON.
func StandardJSON(a *Alert) ([]byte, error) {
	return MarshalJSON(Standard(a))
}

// MarshalJSON encodes v as compact JSON without escaping <, > and &, which
// keeps links and markup readable at the destination. Errors are permanent
// serialisation errors.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode notification as JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ContextJSON returns the alert context of a as compact JSON ("{}" when
// empty).
func ContextJSON(a *Alert) (string, error) {
	if len(a.AlertContext) == 0 {
		return "{}", nil
	}
	b, err := MarshalJSON(a.AlertContext)
	if err != nil {
		return "", fmt.Errorf("alert context: %w", err)
	}
	return string(b), nil
}

// DetailedText is the plain-text body used by e-mail, SNS and Asana: the
// message line, then the link, severity, runbook, reference, description
// and alert context, one per line.
func DetailedText(a *Alert) (string, error) {
	ctxJSON, err := ContextJSON(a)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(Message(a))
	b.WriteString("\nFor more details please visit: ")
	b.WriteString(a.Link)
	b.WriteString("\nSeverity: ")
	b.WriteString(a.Severity)
	b.WriteString("\nRunbook: ")
	b.WriteString(a.Runbook)
	b.WriteString("\nReference: ")
	b.WriteString(a.Reference)
	b.WriteString("\nDescription: ")
	b.WriteString(a.Description)
	b.WriteString("\nAlertContext: ")
	b.WriteString(ctxJSON)
	return b.String(), nil
}
