// Package pagerduty delivers alerts as PagerDuty Events API v2 trigger
// events, deduplicated by alert id.
package pagerduty

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "pagerduty"

// DefaultURL is the Events API v2 enqueue endpoint.
const DefaultURL = "https://events.pagerduty.com/v2/enqueue"

// Config is the config of a PagerDuty destination.
type Config struct {
	IntegrationKey notify.Secret `json:"integrationKey" notify:"required" desc:"Events API v2 integration (routing) key, 32 hex characters"`
	APIURL         string        `json:"apiURL,omitempty" default:"https://events.pagerduty.com/v2/enqueue" desc:"Events API endpoint, for tests and proxies"`
}

var integrationKeyRE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// Validate checks the integration key and the endpoint.
func (c *Config) Validate() error {
	var v notify.Checks
	if v.Required("integrationKey", string(c.IntegrationKey)) && !integrationKeyRE.MatchString(string(c.IntegrationKey)) {
		v.Fail("integrationKey", "must be 32 hex characters")
	}
	v.URL("apiURL", c.APIURL, false)
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "PagerDuty Events API v2", New)

// Notifier triggers PagerDuty events.
type Notifier struct {
	key  string
	url  string
	http *notify.HTTPSender
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	u := cfg.APIURL
	if u == "" {
		u = DefaultURL
	}
	key := string(cfg.IntegrationKey)
	return &Notifier{key: key, url: u, http: notify.NewHTTPSender(Name, opts, key)}, nil
}

// Notify triggers the event of a. An unknown severity is a permanent error.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	ev, err := NewEvent(n.key, a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.PostJSON(ctx, n.url, nil, ev)
}

// Severities maps alert severities to PagerDuty severities.
var Severities = map[string]string{
	notify.SeverityInfo:     "info",
	notify.SeverityLow:      "info",
	notify.SeverityMedium:   "warning",
	notify.SeverityHigh:     "error",
	notify.SeverityCritical: "critical",
}

// Event is an Events API v2 request.
type Event struct {
	RoutingKey  string  `json:"routing_key"`
	EventAction string  `json:"event_action"`
	DedupKey    string  `json:"dedup_key,omitempty"`
	Payload     Payload `json:"payload"`
	Client      string  `json:"client"`
	ClientURL   string  `json:"client_url,omitempty"`
	Links       []Link  `json:"links,omitempty"`
}

// Payload is the payload of an Event.
type Payload struct {
	Summary       string                      `json:"summary"`
	Severity      string                      `json:"severity"`
	Timestamp     string                      `json:"timestamp"`
	Source        string                      `json:"source"`
	CustomDetails notify.StandardNotification `json:"custom_details"`
}

// Link is a link shown on the incident.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// Limits of the Events API.
const (
	maxSummary  = 1024
	maxDedupKey = 255
)

// NewEvent returns the trigger event of a: the summary is the title, the
// dedup key the alert id (so PagerDuty folds re-sends into one incident)
// and the custom details the standard notification.
func NewEvent(routingKey string, a *notify.Alert) (*Event, error) {
	sev, ok := Severities[a.Severity]
	if !ok {
		return nil, fmt.Errorf("unknown severity %q, expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL", a.Severity)
	}
	ev := &Event{
		RoutingKey:  routingKey,
		EventAction: "trigger",
		DedupKey:    clip(a.ID, maxDedupKey),
		Payload: Payload{
			Summary:       clip(notify.OneLine(notify.Title(a)), maxSummary),
			Severity:      sev,
			Timestamp:     a.CreatedAt.UTC().Format(time.RFC3339),
			Source:        "pantherlabs",
			CustomDetails: notify.Standard(a),
		},
		Client:    "Panther",
		ClientURL: a.Link,
	}
	if a.Link != "" {
		ev.Links = []Link{{Href: a.Link, Text: "View in Panther"}}
	}
	return ev, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
