package s3sqs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/parts"
)

// The kind's metrics, on the default registry, labelled by the source's label.
var (
	messagesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_s3sqs_messages_total",
		Help: "SQS messages handled, by outcome: done (deleted after its objects were published), ignored (test events and the like, deleted), poison (not a notification, deleted), retry (left on the queue).",
	}, []string{"source", "outcome"})
	objectsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_s3sqs_objects_total",
		Help: "S3 objects, by outcome: read, skipped (empty, folder, outside the prefixes), failed (missing or corrupt; reported, not retried).",
	}, []string{"source", "outcome"})
	objectBytesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_s3sqs_object_bytes_total",
		Help: "Decompressed bytes of the S3 objects read.",
	}, []string{"source"})
)

// Tuning of a Source; the defaults suit a server, tests lower them.
const (
	waitTime = 20 // seconds of SQS long polling, the most SQS allows
	// publishPatience is how long a part is retried while the queue pushes back before the
	// message is left for its visibility timeout to bring back.
	publishPatience = 30 * time.Second
	// retryDelay is when a message left because of back-pressure comes back (at most the
	// visibility timeout).
	retryDelay = 30 * time.Second
)

// Source is a running s3 source; New builds it, Run serves it.
type Source struct {
	id, label string
	set       Settings
	log       *slog.Logger
	sqs       *sqs.Client
	s3        *s3.Client
	sns       func(region string) *sns.Client
	now       func() time.Time

	visibility      time.Duration
	publishPatience time.Duration
	parts           parts.Options

	messages                 map[string]prometheus.Counter
	objRead, objSkip, objBad prometheus.Counter
	objBytes                 prometheus.Counter
}

var _ sources.Source = (*Source)(nil)

func newSource(c sources.Config, deps sources.Deps) (sources.Source, error) {
	return New(context.Background(), c, deps)
}

// New builds the source of c: it loads the AWS configuration (default credential chain,
// the role to assume) and makes the SQS and S3 clients. It does not call AWS.
func New(ctx context.Context, c sources.Config, deps sources.Deps) (*Source, error) {
	set, err := parseSettings(c.Settings)
	if err != nil {
		return nil, fmt.Errorf("s3 source %q: %w", c.Label, err)
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var opts []func(*config.LoadOptions) error
	if r := set.region(); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3 source %q: AWS configuration: %w", c.Label, err)
	}
	if cfg.Region == "" {
		if set.Endpoint == "" {
			return nil, fmt.Errorf("s3 source %q: region: not set, not in the queue URL and not in the AWS configuration", c.Label)
		}
		cfg.Region = "us-east-1" // a local endpoint does not care
	}
	if set.RoleARN != "" {
		stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if set.Endpoint != "" {
				o.BaseEndpoint = aws.String(set.Endpoint)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, set.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "panther-source-" + c.ID
			if set.ExternalID != "" {
				o.ExternalID = aws.String(set.ExternalID)
			}
		}))
	}
	s3Endpoint := set.S3Endpoint
	if s3Endpoint == "" {
		s3Endpoint = set.Endpoint
	}
	s := &Source{
		id: c.ID, label: c.Label, set: set,
		log: log.With("source", c.Label, "source_id", c.ID, "kind", Kind),
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) {
			if set.Endpoint != "" {
				o.BaseEndpoint = aws.String(set.Endpoint)
			}
		}),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			if s3Endpoint != "" {
				o.BaseEndpoint = aws.String(s3Endpoint)
				o.UsePathStyle = true
			}
			// S3-compatible stores often send no checksums; do not ask for them.
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}),
		sns: func(region string) *sns.Client {
			return sns.NewFromConfig(cfg, func(o *sns.Options) {
				o.Region = region
				if set.Endpoint != "" {
					o.BaseEndpoint = aws.String(set.Endpoint)
				}
			})
		},
		now:             time.Now,
		visibility:      set.visibility(),
		publishPatience: publishPatience,
		messages:        map[string]prometheus.Counter{},
		objRead:         objectsTotal.WithLabelValues(c.Label, "read"),
		objSkip:         objectsTotal.WithLabelValues(c.Label, "skipped"),
		objBad:          objectsTotal.WithLabelValues(c.Label, "failed"),
		objBytes:        objectBytesTotal.WithLabelValues(c.Label),
	}
	for _, o := range []string{outcomeDone, outcomeIgnored, outcomePoison, outcomeRetry} {
		s.messages[o] = messagesTotal.WithLabelValues(c.Label, o)
	}
	return s, nil
}

// Outcomes of a message.
const (
	outcomeDone    = "done"
	outcomeIgnored = "ignored"
	outcomePoison  = "poison"
	outcomeRetry   = "retry"
)

// Run receives and handles messages until ctx is cancelled, then waits for the messages
// being handled (their reads stop at once; unfinished messages come back after their
// visibility timeout).
func (s *Source) Run(ctx context.Context, pub sources.Publisher, rep sources.Reporter) error {
	h := sources.NewHealth(rep, s.now)
	n := s.set.concurrency()
	slots := make(chan struct{}, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	backoff := time.Duration(0)
	var mu sync.Mutex
	pushBack := false // a handler met back-pressure since the last receive
	for ctx.Err() == nil {
		// Receive only as many messages as there are free handlers.
		slots <- struct{}{}
		free := 1
	fill:
		for free < n && free < 10 {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		mu.Lock()
		pb := pushBack
		pushBack = false
		mu.Unlock()
		if pb {
			backoff = max(backoff*2, 500*time.Millisecond)
			backoff = min(backoff, 10*time.Second)
		}
		if backoff > 0 && !sources.Sleep(ctx, backoff) {
			release(slots, free)
			break
		}
		out, err := s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.set.QueueURL),
			MaxNumberOfMessages:         int32(free),
			WaitTimeSeconds:             waitTime,
			VisibilityTimeout:           int32(s.visibility / time.Second),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if err != nil {
			release(slots, free)
			if ctx.Err() != nil {
				break
			}
			s.log.Warn("s3 source: SQS ReceiveMessage failed", "queue_url", s.set.QueueURL, "error", err)
			h.Fail(fmt.Errorf("s3: receive from %s: %w", s.set.QueueURL, err))
			backoff = min(max(backoff*2, time.Second), 30*time.Second)
			continue
		}
		if !pb {
			backoff = 0
		}
		release(slots, free-len(out.Messages))
		for _, m := range out.Messages {
			wg.Go(func() {
				defer func() { <-slots }()
				if s.handle(ctx, m, pub, h) == outcomeRetry {
					mu.Lock()
					pushBack = true
					mu.Unlock()
				}
			})
		}
	}
	return nil
}

func release(slots chan struct{}, n int) {
	for range n {
		<-slots
	}
}

// errBackpressure marks a message left on the queue because the queue pushed back.
var errBackpressure = errors.New("the queue is over its limit")

// handle processes one message and returns its outcome.
func (s *Source) handle(ctx context.Context, m sqstypes.Message, pub sources.Publisher, h *sources.Health) string {
	id := aws.ToString(m.MessageId)
	log := s.log.With("message_id", id, "receive_count", m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
	n, err := parseNotification([]byte(aws.ToString(m.Body)))
	if err != nil {
		log.Warn("s3 source: poison message deleted", "error", err, "body_bytes", len(aws.ToString(m.Body)))
		h.Fail(fmt.Errorf("s3: message %s deleted: %w", id, err))
		s.messages[outcomePoison].Inc()
		s.delete(ctx, m, log, h)
		return outcomePoison
	}
	switch {
	case n.Confirm != nil:
		if err := s.confirm(ctx, n.Confirm); err != nil {
			log.Warn("s3 source: SNS subscription confirmation failed; the message is left to try again", "topic_arn", n.Confirm.TopicArn, "error", err)
			h.Fail(fmt.Errorf("s3: confirm the SNS subscription to %s: %w", n.Confirm.TopicArn, err))
			s.messages[outcomeRetry].Inc()
			return outcomeRetry
		}
		log.Info("s3 source: SNS subscription confirmed", "topic_arn", n.Confirm.TopicArn)
		s.messages[outcomeIgnored].Inc()
		s.delete(ctx, m, log, h)
		return outcomeIgnored
	case n.Ignored != "":
		log.Debug("s3 source: message ignored", "kind", n.Kind, "why", n.Ignored)
		s.messages[outcomeIgnored].Inc()
		s.delete(ctx, m, log, h)
		return outcomeIgnored
	}

	// Keep the message hidden while its objects are read.
	ectx, stopExtend := context.WithCancel(ctx)
	var ext sync.WaitGroup
	ext.Go(func() { s.extend(ectx, m, log) })
	defer func() { stopExtend(); ext.Wait() }()

	for _, o := range n.Objects {
		if why := o.skip(s.set.Prefixes); why != "" {
			log.Debug("s3 source: object skipped", "bucket", o.Bucket, "key", o.Key, "why", why)
			s.objSkip.Inc()
			continue
		}
		err := s.readObject(ctx, o, pub, log)
		switch {
		case err == nil:
			s.objRead.Inc()
		case ctx.Err() != nil:
			return outcomeRetry
		case errors.Is(err, errBackpressure):
			log.Debug("s3 source: the queue pushes back; the message is left", "bucket", o.Bucket, "key", o.Key)
			s.messages[outcomeRetry].Inc()
			// Bring it back soon rather than after a whole visibility timeout, so that the
			// parts already published are still within the queue's duplicate window.
			stopExtend()
			ext.Wait()
			s.retryIn(ctx, m, min(retryDelay, s.visibility), log)
			return outcomeRetry
		case permanent(err):
			// Reading again will not help: report and go on, so the message is deleted.
			log.Warn("s3 source: object failed", "bucket", o.Bucket, "key", o.Key, "error", err)
			h.Fail(fmt.Errorf("s3: s3://%s/%s: %w", o.Bucket, o.Key, err))
			s.objBad.Inc()
		default:
			log.Warn("s3 source: object read failed; the message is left to try again", "bucket", o.Bucket, "key", o.Key, "error", err)
			h.Fail(fmt.Errorf("s3: s3://%s/%s: %w", o.Bucket, o.Key, err))
			s.messages[outcomeRetry].Inc()
			return outcomeRetry
		}
	}
	stopExtend()
	ext.Wait()
	if s.delete(ctx, m, log, h) {
		h.OK()
	}
	s.messages[outcomeDone].Inc()
	return outcomeDone
}

// permanent reports whether an object error will not go away by reading again: the object
// is gone, or its data is corrupt.
func permanent(err error) bool {
	var nsk *s3types.NoSuchKey
	var nsb *s3types.NoSuchBucket
	return errors.As(err, &nsk) || errors.As(err, &nsb) || parts.Permanent(err)
}

// readObject streams one object into the queue.
func (s *Source) readObject(ctx context.Context, o object, pub sources.Publisher, log *slog.Logger) error {
	in := &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)}
	if o.VersionID != "" {
		in.VersionId = aws.String(o.VersionID)
	}
	out, err := s.s3.GetObject(ctx, in)
	if err != nil {
		return fmt.Errorf("get object: %w", err)
	}
	defer out.Body.Close()
	etag := aws.ToString(out.ETag)
	if etag == "" {
		etag = o.ETag
	}
	name := "s3://" + o.Bucket + "/" + o.Key
	base := s.id + "/" + o.Bucket + "/" + o.Key + "/" + etag
	if v := aws.ToString(out.VersionId); v != "" {
		base += "/" + v
	}
	st, err := parts.Split(out.Body, parts.ForPublisher(s.parts, pub), func(p *sources.Payload) error {
		p.SourceID, p.Name, p.DedupID = s.id, name, base+"/"+strconv.Itoa(p.Part)
		return s.publish(ctx, pub, p)
	})
	s.objBytes.Add(float64(st.Bytes))
	if err != nil {
		return err
	}
	log.Debug("s3 source: object published", "bucket", o.Bucket, "key", o.Key, "parts", st.Parts, "records", st.Records, "bytes", st.Bytes, "compression", st.Compression)
	return nil
}

// publish publishes one part, retrying for a while when the queue pushes back.
func (s *Source) publish(ctx context.Context, pub sources.Publisher, p *sources.Payload) error {
	deadline := s.now().Add(s.publishPatience)
	backoff := 50 * time.Millisecond
	for {
		err := pub.Publish(ctx, p)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sources.ErrBackpressure) {
			return fmt.Errorf("publish part %d: %w", p.Part, err)
		}
		if !s.now().Add(backoff).Before(deadline) {
			return fmt.Errorf("publish part %d: %w", p.Part, errBackpressure)
		}
		if !sources.Sleep(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// extend keeps m invisible while it is handled: every half visibility timeout it asks for
// another full one.
func (s *Source) extend(ctx context.Context, m sqstypes.Message, log *slog.Logger) {
	every := s.visibility / 2
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := s.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl:          aws.String(s.set.QueueURL),
			ReceiptHandle:     m.ReceiptHandle,
			VisibilityTimeout: int32(s.visibility / time.Second),
		})
		if err != nil && ctx.Err() == nil {
			log.Warn("s3 source: extending the message's visibility failed", "error", err)
		}
	}
}

// retryIn makes a message left on the queue visible again after d.
func (s *Source) retryIn(ctx context.Context, m sqstypes.Message, d time.Duration, log *slog.Logger) {
	_, err := s.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(s.set.QueueURL),
		ReceiptHandle:     m.ReceiptHandle,
		VisibilityTimeout: int32(d / time.Second),
	})
	if err != nil && ctx.Err() == nil {
		log.Warn("s3 source: shortening the visibility of a message left on the queue failed", "error", err)
	}
}

// delete deletes a handled message; it reports whether that worked.
func (s *Source) delete(ctx context.Context, m sqstypes.Message, log *slog.Logger, h *sources.Health) bool {
	_, err := s.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(s.set.QueueURL), ReceiptHandle: m.ReceiptHandle})
	if err != nil {
		if ctx.Err() == nil {
			// The message comes back; its parts are then dropped as duplicates.
			log.Warn("s3 source: SQS DeleteMessage failed", "error", err)
			h.Fail(fmt.Errorf("s3: delete message %s: %w", aws.ToString(m.MessageId), err))
		}
		return false
	}
	return true
}

// confirm confirms an SNS subscription of the queue.
func (s *Source) confirm(ctx context.Context, c *snsConfirmation) error {
	// The topic's region is the fourth field of its ARN (arn:aws:sns:REGION:ACCOUNT:NAME).
	fields := strings.SplitN(c.TopicArn, ":", 6)
	if len(fields) != 6 || fields[2] != "sns" || c.Token == "" {
		return fmt.Errorf("the confirmation names no valid topic ARN and token (%q)", c.TopicArn)
	}
	_, err := s.sns(fields[3]).ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(c.TopicArn), Token: aws.String(c.Token)})
	return err
}
