// Package asana delivers alerts as Asana tasks in one or more projects.
package asana

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "asana"

// DefaultURL is the Asana API base.
const DefaultURL = "https://app.asana.com/api/1.0"

// Config is the config of an Asana destination.
type Config struct {
	PersonalAccessToken notify.Secret `json:"personalAccessToken" notify:"required" desc:"Asana personal access token"`
	ProjectGids         []string      `json:"projectGids" notify:"required" desc:"Global ids of the projects the tasks are added to"`
	APIURL              string        `json:"apiURL,omitempty" default:"https://app.asana.com/api/1.0" desc:"API base URL, for tests and proxies"`
}

// Validate checks every field.
func (c *Config) Validate() error {
	var v notify.Checks
	v.Required("personalAccessToken", string(c.PersonalAccessToken))
	if len(c.ProjectGids) == 0 {
		v.Fail("projectGids", "required: at least one project gid")
	}
	for i, gid := range c.ProjectGids {
		if gid == "" || strings.Trim(gid, "0123456789") != "" {
			v.Fail(fmt.Sprintf("projectGids.%d", i), "must be a numeric project gid, got %q", gid)
		}
	}
	v.URL("apiURL", c.APIURL, false)
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "Asana task", New)

// Notifier creates Asana tasks.
type Notifier struct {
	projects []string
	url      string
	header   http.Header
	http     *notify.HTTPSender
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	base := cfg.APIURL
	if base == "" {
		base = DefaultURL
	}
	token := string(cfg.PersonalAccessToken)
	return &Notifier{
		projects: append([]string(nil), cfg.ProjectGids...),
		url:      strings.TrimRight(base, "/") + "/tasks",
		header:   http.Header{"Authorization": {"Bearer " + token}},
		http:     notify.NewHTTPSender(Name, opts, token),
	}, nil
}

// Notify creates the task of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	text, err := notify.DetailedText(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.PostJSON(ctx, n.url, n.header, Request{Data: Task{
		Name:     notify.OneLine(notify.Title(a)),
		Notes:    text,
		Projects: n.projects,
	}})
}

// Request is the create-task request body.
type Request struct {
	Data Task `json:"data"`
}

// Task is a new task.
type Task struct {
	Name     string   `json:"name"`
	Notes    string   `json:"notes"`
	Projects []string `json:"projects"`
}
