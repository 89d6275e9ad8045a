// Package opsgenie delivers alerts to the Opsgenie Alert API (US or EU
// region), with the alert id as alias so that Opsgenie folds re-sends.
package opsgenie

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "opsgenie"

// Service regions and their Alert API endpoints.
const (
	RegionUS = "US"
	RegionEU = "EU"
	USURL    = "https://api.opsgenie.com/v2/alerts"
	EUURL    = "https://api.eu.opsgenie.com/v2/alerts"
)

// Config is the config of an Opsgenie destination.
type Config struct {
	APIKey        notify.Secret `json:"apiKey" notify:"required" desc:"API key of an Opsgenie API integration"`
	ServiceRegion string        `json:"serviceRegion,omitempty" enum:"US,EU" default:"US" desc:"Opsgenie service region"`
	APIURL        string        `json:"apiURL,omitempty" desc:"Alert API endpoint overriding the region's, for tests and proxies"`
}

// Validate checks the key, the region and the endpoint.
func (c *Config) Validate() error {
	var v notify.Checks
	v.Required("apiKey", string(c.APIKey))
	if c.ServiceRegion != "" {
		v.OneOf("serviceRegion", c.ServiceRegion, RegionUS, RegionEU)
	}
	v.URL("apiURL", c.APIURL, false)
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "Opsgenie alert", New)

// Notifier creates Opsgenie alerts.
type Notifier struct {
	url    string
	header http.Header
	http   *notify.HTTPSender
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	u := cfg.APIURL
	switch {
	case u != "":
	case cfg.ServiceRegion == RegionEU:
		u = EUURL
	default:
		u = USURL
	}
	key := string(cfg.APIKey)
	return &Notifier{
		url:    u,
		header: http.Header{"Authorization": {"GenieKey " + key}},
		http:   notify.NewHTTPSender(Name, opts, key),
	}, nil
}

// Notify creates the alert of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	req, err := NewRequest(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.PostJSON(ctx, n.url, n.header, req)
}

// Priorities maps alert severities to Opsgenie priorities.
var Priorities = map[string]string{
	notify.SeverityCritical: "P1",
	notify.SeverityHigh:     "P2",
	notify.SeverityMedium:   "P3",
	notify.SeverityLow:      "P4",
	notify.SeverityInfo:     "P5",
}

// Request is the create-alert request body.
type Request struct {
	Message     string   `json:"message"`
	Alias       string   `json:"alias,omitempty"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Source      string   `json:"source"`
	Priority    string   `json:"priority"`
}

// Limits of the Alert API.
const (
	maxMessage     = 130
	maxAlias       = 512
	maxDescription = 15000
	maxTags        = 20
	maxTag         = 50
)

// NewRequest returns the request for a: message = title, an HTML
// description with the UI link, runbook, severity and alert context, the
// tags, and the priority by severity (unknown severities get P3, the
// Opsgenie default).
func NewRequest(a *notify.Alert) (*Request, error) {
	ctxJSON, err := notify.ContextJSON(a)
	if err != nil {
		return nil, err
	}
	var d strings.Builder
	d.WriteString("<strong>Description:</strong> " + escapeText.Replace(a.Description))
	d.WriteString("\n<a href=\"" + html.EscapeString(a.Link) + "\">Click here to view in the Panther UI</a>")
	d.WriteString("\n<strong>Runbook:</strong> " + escapeText.Replace(a.Runbook))
	d.WriteString("\n<strong>Severity:</strong> " + escapeText.Replace(a.Severity))
	d.WriteString("\n<strong>AlertContext:</strong> <pre>" + escapeText.Replace(ctxJSON) + "</pre>")
	priority, ok := Priorities[a.Severity]
	if !ok {
		priority = "P3"
	}
	tags := make([]string, 0, len(a.Tags))
	for _, t := range a.Tags {
		if len(tags) == maxTags {
			break
		}
		tags = append(tags, clip(t, maxTag))
	}
	return &Request{
		Message:     clip(notify.OneLine(notify.Title(a)), maxMessage),
		Alias:       clip(a.ID, maxAlias),
		Description: clip(d.String(), maxDescription),
		Tags:        tags,
		Source:      "Panther",
		Priority:    priority,
	}, nil
}

// escapeText escapes HTML text outside attributes; quotes stay readable.
var escapeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
