// Package slack delivers alerts to a Slack incoming webhook as one message
// attachment coloured by severity.
package slack

import (
	"context"
	"strings"

	"github.com/pantherlabs/panther/internal/notify"
)

// Config is the config of a Slack destination.
type Config struct {
	WebhookURL notify.Secret `json:"webhookURL" notify:"required" desc:"Slack incoming webhook URL (https://hooks.slack.com/services/...)"`
}

// Validate checks the webhook URL.
func (c *Config) Validate() error {
	var v notify.Checks
	v.URL("webhookURL", string(c.WebhookURL), true)
	return v.Err()
}

// Name is the destination type.
const Name = "slack"

// Type registers the destination.
var Type = notify.NewType(Name, "Slack incoming webhook", New)

// Notifier posts alerts to one webhook.
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

// Notify posts the message of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	return n.http.PostJSON(ctx, n.url, nil, Message(a))
}

// SeverityColors are the attachment colours by severity.
var SeverityColors = map[string]string{
	notify.SeverityCritical: "#425a70",
	notify.SeverityHigh:     "#cb2e2e",
	notify.SeverityMedium:   "#d9822b",
	notify.SeverityLow:      "#f7d154",
	notify.SeverityInfo:     "#47b881",
}

// Payload is the webhook request body.
type Payload struct {
	Attachments []Attachment `json:"attachments"`
}

// Attachment is one Slack message attachment.
type Attachment struct {
	Fallback string            `json:"fallback"`
	Color    string            `json:"color"`
	Title    string            `json:"title"`
	Fields   []AttachmentField `json:"fields"`
}

// AttachmentField is one field of an attachment.
type AttachmentField struct {
	Title string `json:"title,omitempty"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

// escape escapes the three characters Slack reserves for its markup.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Message returns the webhook body for a: fallback and title are the
// notification title; the fields are the UI link, the runbook and the
// severity. Text is escaped as Slack requires.
func Message(a *notify.Alert) Payload {
	title := escape.Replace(notify.Title(a))
	return Payload{Attachments: []Attachment{{
		Fallback: title,
		Color:    SeverityColors[a.Severity],
		Title:    title,
		Fields: []AttachmentField{
			{Value: "<" + a.Link + "|Click here to view in the Panther UI>"},
			{Title: "Runbook", Value: escape.Replace(a.Runbook)},
			{Title: "Severity", Value: a.Severity, Short: true},
		},
	}}}
}
