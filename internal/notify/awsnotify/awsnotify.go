// Package awsnotify holds what the SNS and SQS destinations share: the AWS
// credentials of a destination config, the SDK config built from them, and
// the retryable/permanent classification of SDK errors.
//
// The destinations use aws-sdk-go-v2 rather than a hand-written SigV4
// signer because the default credential chain (environment, shared config
// and SSO profiles, web identity, ECS and EC2 instance roles) is most of
// the work and the SDK is already the project's S3/SQS client.
package awsnotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/pantherlabs/panther/internal/notify"
)

// Credentials are the optional static credentials and endpoint of an AWS
// destination. Without an access key the SDK's default chain is used.
type Credentials struct {
	AccessKeyID     string        `json:"accessKeyId,omitempty" desc:"Access key id (empty: the default credential chain)"`
	SecretAccessKey notify.Secret `json:"secretAccessKey,omitempty" desc:"Secret access key"`
	SessionToken    notify.Secret `json:"sessionToken,omitempty" desc:"Session token of temporary credentials"`
	Endpoint        string        `json:"endpoint,omitempty" desc:"Service endpoint overriding the region's, for tests and VPC endpoints"`
}

// Check adds the errors of the credential fields to v.
func (c *Credentials) Check(v *notify.Checks) {
	switch {
	case c.AccessKeyID != "" && c.SecretAccessKey == "":
		v.Fail("secretAccessKey", "required when accessKeyId is set")
	case c.AccessKeyID == "" && c.SecretAccessKey != "":
		v.Fail("accessKeyId", "required when secretAccessKey is set")
	case c.AccessKeyID == "" && c.SessionToken != "":
		v.Fail("sessionToken", "only valid with accessKeyId and secretAccessKey")
	}
	v.URL("endpoint", c.Endpoint, false)
}

// Secrets returns the secret values to scrub from errors.
func (c *Credentials) Secrets() []string {
	return []string{string(c.SecretAccessKey), string(c.SessionToken)}
}

// SDKConfig returns the SDK config for region: static credentials when
// set, else the default chain; no SDK retries (delivery retries whole sends
// with its own backoff); SDK log lines go to opts.Logger at debug level
// through scrub. The SDK's own HTTP client is used, not opts.HTTPClient:
// only the SDK's client can apply AWS_CA_BUNDLE, and it honours the proxy
// environment like http.DefaultTransport.
func (c *Credentials) SDKConfig(region string, opts notify.Options, scrub *notify.Scrubber) (aws.Config, error) {
	opts = opts.WithDefaults()
	logger := logging.LoggerFunc(func(class logging.Classification, format string, v ...any) {
		opts.Logger.Debug(scrub.Scrub(fmt.Sprintf(format, v...)), "source", "aws-sdk", "class", string(class))
	})
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
		config.WithLogger(logger),
	}
	if c.AccessKeyID != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID, string(c.SecretAccessKey), string(c.SessionToken))))
	}
	if c.Endpoint != "" {
		loadOpts = append(loadOpts, config.WithBaseEndpoint(c.Endpoint))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), loadOpts...)
	if err != nil {
		return aws.Config{}, scrub.Error(fmt.Errorf("load AWS config: %w", err))
	}
	return cfg, nil
}

var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// Retryable classifies an SDK error: timeouts, network errors, HTTP 429 and
// 5xx, and throttling error codes are retryable; other API errors are not.
func Retryable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if _, ok := retry.DefaultThrottleErrorCodes[apiErr.ErrorCode()]; ok {
			return true
		}
	}
	if status := notify.StatusCode(err); status != 0 {
		return notify.Retryable(status)
	}
	return retryables.IsErrorRetryable(err) == aws.TrueTernary
}

// Wrap turns an SDK error into the error of destination dest: scrubbed of
// secrets, with errors.Is and notify.StatusCode still working, and
// classified.
func Wrap(ctx context.Context, dest string, logger *slog.Logger, scrub *notify.Scrubber, err error) (bool, error) {
	retryable := Retryable(err)
	if ctx.Err() != nil {
		retryable = true
	}
	err = scrub.Error(fmt.Errorf("%s: %w", dest, err))
	logger.DebugContext(ctx, "notification failed", "destination", dest, "err", err.Error())
	return retryable, err
}
