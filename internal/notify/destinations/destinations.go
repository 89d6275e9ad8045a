// Package destinations assembles every destination type into a
// notify.Registry: the one place that knows them all, for the CLI, the API
// and the destination store.
package destinations

import (
	"encoding/json"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/asana"
	"github.com/pantherlabs/panther/internal/notify/email"
	"github.com/pantherlabs/panther/internal/notify/github"
	"github.com/pantherlabs/panther/internal/notify/jira"
	"github.com/pantherlabs/panther/internal/notify/msteams"
	"github.com/pantherlabs/panther/internal/notify/opsgenie"
	"github.com/pantherlabs/panther/internal/notify/pagerduty"
	"github.com/pantherlabs/panther/internal/notify/slack"
	"github.com/pantherlabs/panther/internal/notify/sns"
	"github.com/pantherlabs/panther/internal/notify/sqs"
	"github.com/pantherlabs/panther/internal/notify/templatewebhook"
	"github.com/pantherlabs/panther/internal/notify/webhook"
)

// All returns every destination type.
func All() []notify.Type {
	return []notify.Type{
		asana.Type,
		webhook.Type,
		email.Type,
		github.Type,
		jira.Type,
		msteams.Type,
		opsgenie.Type,
		pagerduty.Type,
		slack.Type,
		sns.Type,
		sqs.Type,
		templatewebhook.Type,
	}
}

// NewRegistry returns a registry of every destination type that builds
// Notifiers with opts.
func NewRegistry(opts notify.Options) *notify.Registry {
	r, err := notify.NewRegistry(opts, All()...)
	if err != nil {
		// All lists each type once, built with notify.NewType.
		panic(err)
	}
	return r
}

var defaultRegistry = NewRegistry(notify.Options{})

// Build returns the Notifier of destType for rawConfig, with default
// options.
func Build(destType string, rawConfig json.RawMessage) (notify.Notifier, error) {
	return defaultRegistry.Build(destType, rawConfig)
}

// Types returns every destination type sorted by name, with its config
// field specs.
func Types() []notify.Type { return defaultRegistry.Types() }
