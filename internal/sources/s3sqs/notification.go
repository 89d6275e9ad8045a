package s3sqs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// object is an S3 object a notification names.
type object struct {
	Bucket, Key string
	// Size is -1 when the notification does not say (CloudTrail's own notifications).
	Size      int64
	ETag      string
	VersionID string
}

// notification is what one SQS message says.
type notification struct {
	// Kind names the message's shape: "s3", "sns/s3", "cloudtrail", "eventbridge", ...
	Kind    string
	Objects []object
	// Ignored says why a message that names no object is fine to delete ("s3:TestEvent").
	Ignored string
	// Confirm is set for an SNS SubscriptionConfirmation.
	Confirm *snsConfirmation
}

type snsConfirmation struct {
	TopicArn, Token, SubscribeURL string
}

// errPoison wraps the reason a message is not a notification this source understands.
var errPoison = errors.New("not an S3 notification")

func poison(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errPoison, fmt.Sprintf(format, args...))
}

// cloudTrailValidation is the text CloudTrail sends through SNS to check a subscription.
const cloudTrailValidation = "CloudTrail validation message."

// parseNotification reads an SQS message body: an S3 event notification, the same wrapped
// in an SNS envelope (or, with raw delivery, not wrapped), CloudTrail's own SNS
// notification, an EventBridge "Object Created" event, or one of the messages to ignore
// (the S3 test event, CloudTrail's validation message). Anything else is an error wrapping
// errPoison.
func parseNotification(body []byte) (notification, error) {
	body = bytes.TrimSpace(body)
	if string(body) == cloudTrailValidation {
		return notification{Kind: "cloudtrail", Ignored: "CloudTrail validation message"}, nil
	}
	if len(body) == 0 || body[0] != '{' || !json.Valid(body) {
		return notification{}, poison("the body is not a JSON object")
	}
	var env struct {
		Type         string `json:"Type"`
		Message      *string
		TopicArn     string `json:"TopicArn"`
		Token        string `json:"Token"`
		SubscribeURL string `json:"SubscribeURL"`
	}
	if err := json.Unmarshal(body, &env); err == nil && env.TopicArn != "" && env.Type != "" {
		switch env.Type {
		case "Notification":
			if env.Message == nil {
				return notification{}, poison("an SNS notification without a Message")
			}
			inner := []byte(strings.TrimSpace(*env.Message))
			if string(inner) == cloudTrailValidation {
				return notification{Kind: "sns/cloudtrail", Ignored: "CloudTrail validation message"}, nil
			}
			if len(inner) == 0 || inner[0] != '{' {
				return notification{}, poison("the SNS Message is not a JSON object")
			}
			n, err := parseEvent(inner)
			n.Kind = "sns/" + n.Kind
			return n, err
		case "SubscriptionConfirmation":
			return notification{Kind: "sns", Confirm: &snsConfirmation{TopicArn: env.TopicArn, Token: env.Token, SubscribeURL: env.SubscribeURL}}, nil
		case "UnsubscribeConfirmation":
			return notification{Kind: "sns", Ignored: "SNS UnsubscribeConfirmation"}, nil
		}
		return notification{}, poison("an SNS message of type %q", env.Type)
	}
	return parseEvent(body)
}

// parseEvent reads an S3 event, a CloudTrail notification or an EventBridge event.
func parseEvent(b []byte) (notification, error) {
	var ev struct {
		// S3 event notifications.
		Records []struct {
			EventSource string `json:"eventSource"`
			EventName   string `json:"eventName"`
			S3          *struct {
				Bucket struct {
					Name string `json:"name"`
				} `json:"bucket"`
				Object struct {
					Key       string `json:"key"`
					Size      *int64 `json:"size"`
					ETag      string `json:"eTag"`
					VersionID string `json:"versionId"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
		// The S3 test event.
		Event   string `json:"Event"`
		Service string `json:"Service"`
		// CloudTrail's notification of a delivered log file.
		S3Bucket    string   `json:"s3Bucket"`
		S3ObjectKey []string `json:"s3ObjectKey"`
		// EventBridge.
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
		Detail     *struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key       string `json:"key"`
				Size      *int64 `json:"size"`
				ETag      string `json:"etag"`
				VersionID string `json:"version-id"`
			} `json:"object"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return notification{}, poison("%v", err)
	}
	switch {
	case ev.Event == "s3:TestEvent":
		return notification{Kind: "s3", Ignored: "s3:TestEvent"}, nil
	case ev.Records != nil:
		n := notification{Kind: "s3"}
		others := 0
		for i, r := range ev.Records {
			if r.EventSource != "aws:s3" || r.S3 == nil {
				return notification{}, poison("record %d is not an S3 event (eventSource %q)", i, r.EventSource)
			}
			if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
				others++
				continue
			}
			// Keys are URL-encoded, with '+' for spaces.
			key, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				return notification{}, poison("record %d: the key %q is not URL-encoded: %v", i, r.S3.Object.Key, err)
			}
			if r.S3.Bucket.Name == "" || key == "" {
				return notification{}, poison("record %d names no bucket or key", i)
			}
			size := int64(-1)
			if r.S3.Object.Size != nil {
				size = *r.S3.Object.Size
			}
			n.Objects = append(n.Objects, object{Bucket: r.S3.Bucket.Name, Key: key, Size: size, ETag: r.S3.Object.ETag, VersionID: r.S3.Object.VersionID})
		}
		if len(n.Objects) == 0 {
			n.Ignored = fmt.Sprintf("no ObjectCreated event among %d records", others)
		}
		return n, nil
	case ev.S3Bucket != "" && ev.S3ObjectKey != nil:
		n := notification{Kind: "cloudtrail"}
		for _, k := range ev.S3ObjectKey {
			if k != "" {
				n.Objects = append(n.Objects, object{Bucket: ev.S3Bucket, Key: k, Size: -1})
			}
		}
		if len(n.Objects) == 0 {
			n.Ignored = "a CloudTrail notification without keys"
		}
		return n, nil
	case ev.Source == "aws.s3" && ev.Detail != nil:
		if ev.DetailType != "Object Created" {
			return notification{Kind: "eventbridge", Ignored: fmt.Sprintf("an EventBridge %q event", ev.DetailType)}, nil
		}
		d := ev.Detail
		if d.Bucket.Name == "" || d.Object.Key == "" {
			return notification{}, poison("an EventBridge event that names no bucket or key")
		}
		size := int64(-1)
		if d.Object.Size != nil {
			size = *d.Object.Size
		}
		// EventBridge keys are not URL-encoded.
		return notification{Kind: "eventbridge", Objects: []object{{Bucket: d.Bucket.Name, Key: d.Object.Key, Size: size, ETag: d.Object.ETag, VersionID: d.Object.VersionID}}}, nil
	}
	return notification{}, poison("a JSON object that is neither an S3 event, an SNS envelope, a CloudTrail notification nor an EventBridge event")
}

// skip says why an object is not read, or "".
func (o object) skip(prefixes []string) string {
	switch {
	case o.Size == 0:
		return "empty object"
	case strings.HasSuffix(o.Key, "/"):
		return "folder placeholder"
	}
	if len(prefixes) == 0 {
		return ""
	}
	for _, p := range prefixes {
		if strings.HasPrefix(o.Key, p) {
			return ""
		}
	}
	return "key outside the prefixes"
}
