// Package jira delivers alerts as Jira issues through the REST API with
// basic authentication (user name and API token).
package jira

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "jira"

// Config is the config of a Jira destination.
type Config struct {
	OrgDomain  string        `json:"orgDomain" notify:"required" desc:"Base URL of the Jira site, e.g. https://example.atlassian.net"`
	ProjectKey string        `json:"projectKey" notify:"required" desc:"Key of the project the issues are created in"`
	UserName   string        `json:"userName" notify:"required" desc:"User (e-mail) the API token belongs to"`
	APIKey     notify.Secret `json:"apiKey" notify:"required" desc:"Jira API token"`
	AssigneeID string        `json:"assigneeId,omitempty" desc:"Account id of the assignee"`
	IssueType  string        `json:"issueType,omitempty" default:"Task" desc:"Issue type name (Task, Bug, Story, ...)"`
	Labels     []string      `json:"labels,omitempty" desc:"Labels set on every issue"`
}

var projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// Validate checks every field.
func (c *Config) Validate() error {
	var v notify.Checks
	v.URL("orgDomain", c.OrgDomain, true)
	if v.Required("projectKey", c.ProjectKey) && !projectKeyRE.MatchString(c.ProjectKey) {
		v.Fail("projectKey", "must be upper-case letters, digits and underscores starting with a letter, got %q", c.ProjectKey)
	}
	v.Required("userName", c.UserName)
	v.Required("apiKey", string(c.APIKey))
	for i, l := range c.Labels {
		if l == "" || strings.ContainsAny(l, " \t\r\n") {
			v.Fail(fmt.Sprintf("labels.%d", i), "must be a non-empty label without spaces, got %q", l)
		}
	}
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "Jira issue", New)

// Notifier creates Jira issues.
type Notifier struct {
	cfg    Config
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
	c := *cfg
	if c.IssueType == "" {
		c.IssueType = "Task"
	}
	token := base64.StdEncoding.EncodeToString([]byte(c.UserName + ":" + string(c.APIKey)))
	return &Notifier{
		cfg:    c,
		url:    strings.TrimRight(c.OrgDomain, "/") + "/rest/api/latest/issue/",
		header: http.Header{"Authorization": {"Basic " + token}},
		http:   notify.NewHTTPSender(Name, opts, string(c.APIKey), token),
	}, nil
}

// Notify creates the issue of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	issue, err := n.Issue(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.PostJSON(ctx, n.url, n.header, issue)
}

// Issue is the create-issue request body.
type Issue struct {
	Fields Fields `json:"fields"`
}

// Fields are the fields of a new issue.
type Fields struct {
	Summary     string    `json:"summary"`
	Description string    `json:"description"`
	Project     Key       `json:"project"`
	IssueType   IssueType `json:"issuetype"`
	Labels      []string  `json:"labels"`
	Assignee    *Assignee `json:"assignee,omitempty"`
}

// Key names a project.
type Key struct {
	Key string `json:"key"`
}

// IssueType names an issue type.
type IssueType struct {
	Name string `json:"name"`
}

// Assignee names a user by account id.
type Assignee struct {
	ID string `json:"id"`
}

const maxSummary = 255

// Issue returns the issue of a: summary = the title on one line; the
// description in Jira wiki markup with the description, UI link, runbook,
// severity, tags and alert context.
func (n *Notifier) Issue(a *notify.Alert) (*Issue, error) {
	ctxJSON, err := notify.ContextJSON(a)
	if err != nil {
		return nil, err
	}
	var d strings.Builder
	d.WriteString("*Description:* " + a.Description)
	d.WriteString("\n[Click here to view in the Panther UI|" + a.Link + "]")
	d.WriteString("\n*Runbook:* " + a.Runbook)
	d.WriteString("\n*Severity:* " + a.Severity)
	d.WriteString("\n*Tags:* " + strings.Join(a.Tags, ", "))
	d.WriteString("\n*AlertContext:* {code:json}" + ctxJSON + "{code}")
	labels := n.cfg.Labels
	if labels == nil {
		labels = []string{}
	}
	issue := &Issue{Fields: Fields{
		Summary:     clip(notify.OneLine(notify.Title(a)), maxSummary),
		Description: d.String(),
		Project:     Key{Key: n.cfg.ProjectKey},
		IssueType:   IssueType{Name: n.cfg.IssueType},
		Labels:      labels,
	}}
	if n.cfg.AssigneeID != "" {
		issue.Fields.Assignee = &Assignee{ID: n.cfg.AssigneeID}
	}
	return issue, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
