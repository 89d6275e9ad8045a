package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxErrorBody is how many bytes of a failed response body go into the
// error.
const MaxErrorBody = 1024

// drainLimit bounds how much of a response body is read to let the
// connection be reused.
const drainLimit = 64 << 10

// HTTPSender posts requests for one destination and classifies the outcome:
// 2xx succeeds; 429, 5xx and network errors (timeouts included) are
// retryable; any other status is permanent. Errors carry the status, a
// truncated and scrubbed response body and a redacted URL, never a secret.
type HTTPSender struct {
	dest   string
	client *http.Client
	logger *slog.Logger
	scrub  *Scrubber
}

// NewHTTPSender returns a sender for destination dest (the prefix of its
// errors) that scrubs secrets from everything it reports.
func NewHTTPSender(dest string, opts Options, secrets ...string) *HTTPSender {
	opts = opts.WithDefaults()
	return &HTTPSender{dest: dest, client: opts.HTTPClient, logger: opts.Logger, scrub: NewScrubber(secrets...)}
}

// PostJSON encodes v as JSON (see MarshalJSON) and posts it to rawURL with
// Accept and Content-Type set to application/json plus header.
func (s *HTTPSender) PostJSON(ctx context.Context, rawURL string, header http.Header, v any) (bool, error) {
	body, err := MarshalJSON(v)
	if err != nil {
		return false, fmt.Errorf("%s: %w", s.dest, err)
	}
	return s.Post(ctx, rawURL, "application/json", header, body)
}

// Post posts body to rawURL with the given content type and headers; JSON
// bodies also get Accept: application/json.
func (s *HTTPSender) Post(ctx context.Context, rawURL, contentType string, header http.Header, body []byte) (bool, error) {
	shown := RedactURL(rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		// The URL was validated at construction, so this is a bug or a bad
		// method; neither gets better with a retry.
		return false, fmt.Errorf("%s: build request for %s: %s", s.dest, shown, s.scrub.Scrub(redactURLError(err, shown).Error()))
	}
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	req.Header.Set("Content-Type", contentType)
	if contentType == "application/json" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		err = &RequestError{Dest: s.dest, Method: http.MethodPost, URL: shown, msg: s.scrub.Scrub(redactURLError(err, shown).Error()), err: err}
		s.logger.DebugContext(ctx, "notification request failed", "destination", s.dest, "url", shown, "err", err.Error())
		return true, err
	}
	retryable, err := s.check(resp, shown)
	s.logger.DebugContext(ctx, "notification request done", "destination", s.dest, "url", shown, "status", resp.StatusCode)
	return retryable, err
}

// check classifies resp and always drains and closes its body.
func (s *HTTPSender) check(resp *http.Response, shown string) (bool, error) {
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode/100 == 2 {
		return false, nil
	}
	// Read enough past the shown part that a secret starting inside it is
	// read whole and scrubbed, not cut in half.
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, int64(MaxErrorBody+s.scrub.maxLen)))
	body := truncate(s.scrub.Scrub(string(raw)), MaxErrorBody)
	return Retryable(resp.StatusCode), &StatusError{Dest: s.dest, Method: resp.Request.Method, URL: shown, StatusCode: resp.StatusCode, Status: resp.Status, Body: body}
}

// Retryable reports whether an HTTP status is worth retrying: 429 and 5xx.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// StatusError is a non-2xx answer of a destination.
type StatusError struct {
	// Dest is the destination type.
	Dest string
	// Method and URL are the request's; URL is redacted.
	Method, URL string
	// StatusCode and Status are the response's.
	StatusCode int
	Status     string
	// Body is the start of the response body, scrubbed of secrets.
	Body string
}

// Error returns e.g. "slack: POST https://hooks.slack.com/<redacted>: status 404 Not Found: no_team".
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: %s %s: status %s", e.Dest, e.Method, e.URL, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// RequestError is a request that got no HTTP answer: a network error, a
// timeout or a cancelled context. errors.Is sees the cause.
type RequestError struct {
	Dest, Method, URL string
	msg               string
	err               error
}

// Error returns the destination, the redacted URL and the cause.
func (e *RequestError) Error() string { return e.Dest + ": " + e.msg }

// Unwrap returns the cause, a *url.Error whose URL is redacted.
func (e *RequestError) Unwrap() error { return e.err }

// redactURLError replaces the URL inside a *url.Error (in place, so that
// unwrapping callers do not see it either).
func redactURLError(err error, shown string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = shown
	}
	return err
}

// RedactURL returns the scheme and host of rawURL, with "/<redacted>" when
// it has a path or query: webhook URLs carry their token in the path.
// User info is dropped.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "<redacted>"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		out += "/<redacted>"
	}
	return out
}

// StatusCode returns the HTTP status of a delivery error for the delivery
// record: the destination's status for a StatusError (or any error with an
// HTTPStatusCode method, like AWS SDK response errors), 504 for a timeout,
// and 0 otherwise.
func StatusCode(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) && withStatus.HTTPStatusCode() != 0 {
		return withStatus.HTTPStatusCode()
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout()) {
		return http.StatusGatewayTimeout
	}
	return 0
}

// URLSecrets returns the parts of a secret URL that must not appear in
// errors: the URL itself, its path and query, its password and every path
// segment or query value long enough to be a token (16 bytes or more).
func URLSecrets(rawURL string) []string {
	out := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil {
		return out
	}
	if p := u.EscapedPath(); len(p) > 1 {
		out = append(out, p, u.Path)
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= 16 {
					out = append(out, v)
				}
			}
		}
	}
	if pw, ok := u.User.Password(); ok {
		out = append(out, pw)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 16 {
			out = append(out, seg)
		}
	}
	return out
}
