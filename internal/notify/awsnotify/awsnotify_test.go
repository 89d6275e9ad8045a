package awsnotify

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/pantherlabs/panther/internal/notify"
)

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{context.DeadlineExceeded, true},
		{fmt.Errorf("op: %w", context.Canceled), true},
		{&smithy.GenericAPIError{Code: "Throttling"}, true},
		{&smithy.GenericAPIError{Code: "RequestThrottled"}, true},
		{&smithy.GenericAPIError{Code: "InvalidParameter"}, false},
		{&notify.StatusError{StatusCode: 503}, true},
		{&notify.StatusError{StatusCode: 404}, false},
		{errors.New("some local failure"), false},
	} {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		c    Credentials
		want string
	}{
		{Credentials{}, ""},
		{Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, ""},
		{Credentials{AccessKeyID: "AKIA"}, "secretAccessKey: required when accessKeyId is set"},
		{Credentials{SecretAccessKey: "s"}, "accessKeyId: required when secretAccessKey is set"},
		{Credentials{SessionToken: "t"}, "sessionToken: only valid with accessKeyId and secretAccessKey"},
		{Credentials{Endpoint: "localhost:4566"}, "endpoint: must be an http or https URL"},
	} {
		var v notify.Checks
		tc.c.Check(&v)
		got := ""
		if err := v.Err(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Check(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestSDKConfig(t *testing.T) {
	c := Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s3cr3t", SessionToken: "t0ken", Endpoint: "http://127.0.0.1:1"}
	cfg, err := c.SDKConfig("eu-north-1", notify.Options{}, notify.NewScrubber(c.Secrets()...))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-north-1" || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != c.Endpoint {
		t.Errorf("region %q endpoint %v", cfg.Region, cfg.BaseEndpoint)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "AKIAEXAMPLE" || creds.SecretAccessKey != "s3cr3t" || creds.SessionToken != "t0ken" {
		t.Errorf("credentials %+v", creds)
	}
	if cfg.Retryer().MaxAttempts() != 1 {
		t.Errorf("SDK retries %d times; delivery owns retries", cfg.Retryer().MaxAttempts())
	}
}
