// Package msteams delivers alerts to a Microsoft Teams incoming webhook as a
// MessageCard.
package msteams

import (
	"context"
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "msteams"

// Config is the config of a Microsoft Teams destination.
type Config struct {
	WebhookURL notify.Secret `json:"webhookURL" notify:"required" desc:"Microsoft Teams incoming webhook URL"`
}

// Validate checks the webhook URL.
func (c *Config) Validate() error {
	var v notify.Checks
	v.URL("webhookURL", string(c.WebhookURL), true)
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "Microsoft Teams incoming webhook", New)

// Notifier posts MessageCards to one webhook.
type Notifier struct {
	url  string
	http *notify.HTTPSender
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	u := string(cfg.WebhookURL)
	return &Notifier{url: u, http: notify.NewHTTPSender(Name, opts, notify.URLSecrets(u)...)}, nil
}

// Notify posts the card of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	card, err := NewCard(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.PostJSON(ctx, n.url, nil, card)
}

// Card is a legacy actionable MessageCard.
type Card struct {
	Context         string    `json:"@context"`
	Type            string    `json:"@type"`
	Summary         string    `json:"summary"`
	ThemeColor      string    `json:"themeColor,omitempty"`
	Text            string    `json:"text"`
	Sections        []Section `json:"sections"`
	PotentialAction []Action  `json:"potentialAction"`
}

// Section is a card section holding facts.
type Section struct {
	Facts []Fact `json:"facts"`
	Text  string `json:"text"`
}

// Fact is a name/value pair shown in a section.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Action is an OpenUri action.
type Action struct {
	Type    string   `json:"@type"`
	Name    string   `json:"name"`
	Targets []Target `json:"targets"`
}

// Target is the URI of an action for one OS.
type Target struct {
	OS  string `json:"os"`
	URI string `json:"uri"`
}

var themeColors = map[string]string{
	notify.SeverityCritical: "425a70",
	notify.SeverityHigh:     "cb2e2e",
	notify.SeverityMedium:   "d9822b",
	notify.SeverityLow:      "f7d154",
	notify.SeverityInfo:     "47b881",
}

// NewCard returns the card of a: text = title; facts Description, Runbook,
// Severity, Tags and AlertContext; an OpenUri action to the UI.
func NewCard(a *notify.Alert) (*Card, error) {
	ctxJSON, err := notify.ContextJSON(a)
	if err != nil {
		return nil, err
	}
	title := notify.Title(a)
	return &Card{
		Context:    "http://schema.org/extensions",
		Type:       "MessageCard",
		Summary:    notify.OneLine(title),
		ThemeColor: themeColors[a.Severity],
		Text:       title,
		Sections: []Section{{Facts: []Fact{
			{Name: "Description", Value: a.Description},
			{Name: "Runbook", Value: a.Runbook},
			{Name: "Severity", Value: a.Severity},
			{Name: "Tags", Value: strings.Join(a.Tags, ", ")},
			{Name: "AlertContext", Value: ctxJSON},
		}}},
		PotentialAction: []Action{{
			Type:    "OpenUri",
			Name:    "Click here to view in the Panther UI",
			Targets: []Target{{OS: "default", URI: a.Link}},
		}},
	}, nil
}
