// Package templatewebhook delivers alerts to a webhook with a user-defined
// body: a Go text/template executed over the alert, sent with a chosen
// content type and extra headers.
//
// The template's dot is the *notify.Alert, so {{.ID}}, {{.Severity}},
// {{.Title}} and the other fields are available, plus these functions:
//
//	json V        V encoded as JSON ({{json .Title}} gives a quoted string)
//	title A       the notification title of alert A ("New Alert: ...")
//	text A        the detailed plain text of alert A
//	standard A    the standard notification of A ({{json (standard .)}})
//	oneline S     S with line breaks replaced by spaces
//	join L SEP    the strings of L joined with SEP
//	upper S, lower S
//	truncate N S  the first N characters of S
//	default D V   V, or D when V is empty
package templatewebhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "templatewebhook"

// MaxBody bounds the size of a rendered body.
const MaxBody = 1 << 20

// Config is the config of a template webhook destination.
type Config struct {
	WebhookURL  notify.Secret            `json:"webhookURL" notify:"required" desc:"URL the rendered body is posted to"`
	Template    string                   `json:"template" notify:"required" desc:"Go text/template of the request body; the dot is the alert"`
	ContentType string                   `json:"contentType,omitempty" default:"application/json" desc:"Content-Type of the body"`
	Headers     map[string]notify.Secret `json:"headers,omitempty" desc:"Extra request headers (values are secret)"`
}

// reservedHeaders are set by the sender and may not be overridden.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection"}

// Validate checks the URL, the content type and the headers, parses the
// template and renders it for a sample alert: a misspelt field or, for
// JSON content types, a body that is not JSON is reported here rather than
// at the first alert.
func (c *Config) Validate() error {
	var v notify.Checks
	v.URL("webhookURL", string(c.WebhookURL), true)
	ct := c.contentType()
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		v.Fail("contentType", "must be a media type like application/json, got %q", ct)
	}
	for name, value := range c.Headers {
		field := "headers." + name
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			v.Fail(field, "invalid header name")
		case isReserved(name):
			v.Fail(field, "is set by Panther and cannot be overridden (use contentType for the content type)")
		case !httpguts.ValidHeaderFieldValue(string(value)):
			v.Fail(field, "value must not contain line breaks or control characters")
		}
	}
	if v.Required("template", c.Template) {
		tmpl, err := parseTemplate(c.Template)
		if err != nil {
			v.Fail("template", "%s", strings.TrimPrefix(err.Error(), "template: body:"))
		} else if body, err := render(tmpl, sampleAlert()); err != nil {
			v.Fail("template", "rendering a sample alert: %s", strings.TrimPrefix(err.Error(), "template: body:"))
		} else if isJSON(ct) && !json.Valid(body) {
			v.Fail("template", "content type is %s but the body rendered for a sample alert is not valid JSON: %s", ct, jsonProblem(body))
		}
	}
	return v.Err()
}

func (c *Config) contentType() string {
	if c.ContentType == "" {
		return "application/json"
	}
	return c.ContentType
}

func isReserved(name string) bool {
	for _, r := range reservedHeaders {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func jsonProblem(body []byte) string {
	var v any
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "invalid"
}

// Type registers the destination.
var Type = notify.NewType(Name, "Webhook with a body rendered from a Go template", New)

// Notifier renders and posts one template.
type Notifier struct {
	url         string
	contentType string
	header      http.Header
	tmpl        *template.Template
	http        *notify.HTTPSender
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	tmpl, err := parseTemplate(cfg.Template)
	if err != nil {
		return nil, notify.InvalidConfig(Name, &notify.FieldError{Field: "template", Msg: err.Error()})
	}
	u := string(cfg.WebhookURL)
	secrets := notify.URLSecrets(u)
	header := http.Header{}
	for k, v := range cfg.Headers {
		header.Set(k, string(v))
		secrets = append(secrets, string(v))
	}
	return &Notifier{
		url:         u,
		contentType: cfg.contentType(),
		header:      header,
		tmpl:        tmpl,
		http:        notify.NewHTTPSender(Name, opts, secrets...),
	}, nil
}

// Notify renders the body for a and posts it. A template that fails for
// this alert is a permanent error.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	body, err := render(n.tmpl, a)
	if err != nil {
		return false, fmt.Errorf("%s: render template: %w", Name, err)
	}
	return n.http.Post(ctx, n.url, n.contentType, n.header, body)
}

// Render renders a template source for a, as Notify would; the CLI uses it
// to preview a template.
func Render(src string, a *notify.Alert) ([]byte, error) {
	tmpl, err := parseTemplate(src)
	if err != nil {
		return nil, err
	}
	return render(tmpl, a)
}

func parseTemplate(src string) (*template.Template, error) {
	tmpl, err := template.New("body").Option("missingkey=error").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, err
	}
	for _, t := range tmpl.Templates() {
		if t.Tree == nil {
			continue
		}
		if err := checkRanges(t.Tree, t.Tree.Root); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name(), err)
		}
	}
	return tmpl, nil
}

// checkRanges rejects {{range N}} over a number literal: every other range
// walks alert data and ends with it, but a number could keep the sender busy
// for hours without writing a byte.
func checkRanges(tree *parse.Tree, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkRanges(tree, c); err != nil {
				return err
			}
		}
	case *parse.RangeNode:
		for _, cmd := range n.Pipe.Cmds {
			for _, arg := range cmd.Args {
				if _, ok := arg.(*parse.NumberNode); ok {
					return fmt.Errorf("line %d: range over a number is not allowed", lineOf(tree, n))
				}
			}
		}
		if err := checkRanges(tree, n.List); err != nil {
			return err
		}
		return checkRanges(tree, n.ElseList)
	case *parse.IfNode:
		if err := checkRanges(tree, n.List); err != nil {
			return err
		}
		return checkRanges(tree, n.ElseList)
	case *parse.WithNode:
		if err := checkRanges(tree, n.List); err != nil {
			return err
		}
		return checkRanges(tree, n.ElseList)
	}
	return nil
}

func lineOf(tree *parse.Tree, n parse.Node) int {
	loc, _ := tree.ErrorContext(n) // "name:line:col"
	parts := strings.Split(loc, ":")
	if len(parts) < 3 {
		return 0
	}
	line, _ := strconv.Atoi(parts[len(parts)-2])
	return line
}

var errTooLarge = fmt.Errorf("rendered body is larger than %d bytes", MaxBody)

// limitedBuffer fails writes past MaxBody, which stops the template.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxBody {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

func render(tmpl *template.Template, a *notify.Alert) ([]byte, error) {
	var buf limitedBuffer
	if err := tmpl.Execute(&buf, a); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := notify.MarshalJSON(v)
		return string(b), err
	},
	"title":    notify.Title,
	"text":     notify.DetailedText,
	"standard": notify.Standard,
	"oneline":  notify.OneLine,
	"join":     strings.Join,
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"truncate": func(n int, s string) string {
		r := []rune(s)
		if n < 0 || len(r) <= n {
			return s
		}
		return string(r[:n])
	},
	"default": func(def, v any) any {
		if v == nil {
			return def
		}
		if rv := reflect.ValueOf(v); rv.IsZero() || ((rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0) {
			return def
		}
		return v
	},
}

// sampleAlert has every field set, so that a template referring to any of
// them renders during validation.
func sampleAlert() *notify.Alert {
	return &notify.Alert{
		ID:            "00000000000000000000000000000000",
		DetectionID:   "Sample.Rule",
		Type:          notify.TypeRule,
		Severity:      notify.SeverityMedium,
		Title:         "Sample \"alert\" title\nwith a second line",
		Name:          "Sample Rule",
		Description:   "Sample description",
		Runbook:       "Sample runbook",
		Reference:     "https://example.com/reference",
		Tags:          []string{"sample"},
		AlertContext:  map[string]any{"key": "value"},
		CreatedAt:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Link:          "https://panther.example.com/log-analysis/alerts/00000000000000000000000000000000",
		Version:       "1",
		LogTypes:      []string{"Sample.Log"},
		EventCount:    1,
		ResourceID:    "arn:aws:s3:::sample",
		ResourceTypes: []string{"AWS.S3.Bucket"},
	}
}
