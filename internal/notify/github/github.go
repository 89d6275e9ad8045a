// Package github delivers alerts as GitHub issues through the REST API.
package github

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "github"

// DefaultURL is the GitHub REST API; GitHub Enterprise Server serves it
// under https://HOST/api/v3.
const DefaultURL = "https://api.github.com"

// Config is the config of a GitHub destination.
type Config struct {
	RepoName string        `json:"repoName" notify:"required" desc:"Repository as owner/repo"`
	Token    notify.Secret `json:"token" notify:"required" desc:"Token allowed to create issues in the repository"`
	APIURL   string        `json:"apiURL,omitempty" default:"https://api.github.com" desc:"REST API base URL (GitHub Enterprise: https://HOST/api/v3)"`
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// Validate checks every field.
func (c *Config) Validate() error {
	var v notify.Checks
	if v.Required("repoName", c.RepoName) && !repoRE.MatchString(c.RepoName) {
		v.Fail("repoName", "must be owner/repo, got %q", c.RepoName)
	}
	v.Required("token", string(c.Token))
	v.URL("apiURL", c.APIURL, false)
	return v.Err()
}

// Type registers the destination.
var Type = notify.NewType(Name, "GitHub issue", New)

// Notifier creates GitHub issues.
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
	base := cfg.APIURL
	if base == "" {
		base = DefaultURL
	}
	token := string(cfg.Token)
	return &Notifier{
		url:    strings.TrimRight(base, "/") + "/repos/" + cfg.RepoName + "/issues",
		header: http.Header{"Authorization": {"token " + token}, "X-Github-Api-Version": {"2022-11-28"}},
		http:   notify.NewHTTPSender(Name, opts, token),
	}, nil
}

// Notify creates the issue of a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	issue, err := NewIssue(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	return n.http.PostJSON(ctx, n.url, n.header, issue)
}

// Issue is the create-issue request body.
type Issue struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// NewIssue returns the issue of a: the title and a Markdown body with the
// description, UI link, runbook, severity, tags and alert context.
func NewIssue(a *notify.Alert) (*Issue, error) {
	ctxJSON, err := notify.ContextJSON(a)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("**Description:** " + a.Description)
	b.WriteString("\n\n[Click here to view in the Panther UI](" + a.Link + ")")
	b.WriteString("\n\n**Runbook:** " + a.Runbook)
	b.WriteString("\n\n**Severity:** " + a.Severity)
	b.WriteString("\n\n**Tags:** " + strings.Join(a.Tags, ", "))
	b.WriteString("\n\n**AlertContext:**\n```json\n" + ctxJSON + "\n```\n")
	return &Issue{Title: notify.OneLine(notify.Title(a)), Body: b.String()}, nil
}
