package sqstest

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
)

func TestServer(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	q := s.CreateQueue(srv.URL, "q")
	c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}))})
	ctx := context.Background()
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err) // the SDK checks MD5OfMessageBody
	}
	recv := func(vis int32) *sqs.ReceiveMessageOutput {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), VisibilityTimeout: vis, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err) // the SDK checks MD5OfBody
		}
		return out
	}
	first := recv(30)
	if len(first.Messages) != 1 || aws.ToString(first.Messages[0].Body) != "hello" {
		t.Fatalf("received %+v", first.Messages)
	}
	if out := recv(30); len(out.Messages) != 0 {
		t.Fatal("an in-flight message was received again")
	}
	// Visible again at once: a waiting receive gets it.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: first.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	second := recv(30)
	if len(second.Messages) != 1 {
		t.Fatal("a message made visible did not come back")
	}
	if out := recv(30); len(out.Messages) != 0 {
		t.Fatal("an in-flight message was received again")
	}
	// Only the latest receipt handle is valid.
	_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: first.Messages[0].ReceiptHandle})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ReceiptHandleIsInvalid" {
		t.Fatalf("delete with a stale handle: %v", err)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: second.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if s.Len(q) != 0 || s.Requests("DeleteMessage") != 2 {
		t.Fatalf("%d messages left, %d deletes", s.Len(q), s.Requests("DeleteMessage"))
	}
	// An unknown queue is an error the SDK understands.
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(srv.URL + "/1/none")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "QueueDoesNotExist" {
		t.Fatalf("unknown queue: %v", err)
	}
}
