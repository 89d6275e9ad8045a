// Package webhook delivers alerts to a custom webhook as the standard
// notification JSON (destination type "customwebhook").
package webhook

import (
	"context"
	"fmt"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "customwebhook"

// Config is the config of a custom webhook destination.
type Config struct {
	WebhookURL notify.Secret `json:"webhookURL" notify:"required" desc:"URL the standard notification JSON is posted to"`
}

// Validate checks the webhook URL.
func (c *Config) Validate() error {
	var v notify.Checks
	v.URL("webhookURL", string(c.WebhookURL), true)
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "Custom webhook receiving the standard notification JSON", New)

// Notifier posts the standard notification to one URL.
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

// Notify posts the standard notification of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	body, err := notify.StandardJSON(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.Post(ctx, n.url, "application/json", nil, body)
}
