package s3sqs

import (
	"errors"
	"testing"
)

// FuzzParseNotification checks that any message body either parses into objects that
// name a bucket and a key, is ignored with a reason, or is poison; never a panic or
// another error.
func FuzzParseNotification(f *testing.F) {
	f.Add(s3Event("a b/c.gz"))
	f.Add(snsWrap(s3Event("k")))
	f.Add(snsWrap(`{"s3Bucket":"b","s3ObjectKey":["x"]}`))
	f.Add(`{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"k","size":1}}}`)
	f.Add(`{"Service":"Amazon S3","Event":"s3:TestEvent"}`)
	f.Add("CloudTrail validation message.")
	f.Add(`{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:us-east-1:1:t","Token":"t"}`)
	f.Add("not json")
	f.Fuzz(func(t *testing.T, body string) {
		n, err := parseNotification([]byte(body))
		if err != nil {
			if !errors.Is(err, errPoison) {
				t.Fatalf("error %v is not poison", err)
			}
			return
		}
		if n.Ignored == "" && n.Confirm == nil && len(n.Objects) == 0 {
			t.Fatalf("a notification with nothing to do and no reason: %+v", n)
		}
		for _, o := range n.Objects {
			if o.Bucket == "" || o.Key == "" {
				t.Fatalf("object without a bucket or key: %+v", o)
			}
		}
	})
}
