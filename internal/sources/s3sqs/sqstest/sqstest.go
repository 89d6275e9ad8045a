// Package sqstest is an in-process SQS server for tests: an http.Handler speaking the SQS
// JSON protocol (AWS JSON 1.0, X-Amz-Target: AmazonSQS.<Action>) that the AWS SDK v2
// client talks to through an endpoint override. It keeps queues in memory with real
// visibility timeouts, receipt handles (only the latest one of a message is valid) and long
// polling, computes the MD5 digests the SDK checks, and rejects requests that are not
// SigV4-signed or name an unknown queue or action, so a test fails on a malformed call.
//
// It implements SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility,
// GetQueueAttributes and GetQueueUrl.
package sqstest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is an SQS server. Create queues with CreateQueue, serve it with httptest.
type Server struct {
	mu      sync.Mutex
	queues  map[string]*queue // by URL
	changed chan struct{}     // closed and replaced on every change receivers wait for
	seq     int
	now     func() time.Time

	// Requests counts the requests served, by action, for assertions.
	requests map[string]int
}

type queue struct {
	name string
	msgs []*message // in the order sent
}

type message struct {
	id       string
	body     string
	handle   string    // the latest receipt handle; "" before the first receive
	visible  time.Time // when the message is next visible
	receives int
	sentAt   time.Time
}

// New returns a server with no queues.
func New() *Server {
	return &Server{queues: map[string]*queue{}, changed: make(chan struct{}), now: time.Now, requests: map[string]int{}}
}

// CreateQueue adds a queue and returns its URL, built on base (the test server's URL).
func (s *Server) CreateQueue(base, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	url := strings.TrimSuffix(base, "/") + "/123456789012/" + name
	s.queues[url] = &queue{name: name}
	return url
}

// Send puts a message on a queue, as another producer would; it returns the message id.
func (s *Server) Send(queueURL, body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[queueURL]
	if q == nil {
		panic("sqstest: Send to unknown queue " + queueURL)
	}
	return s.sendLocked(q, body)
}

func (s *Server) sendLocked(q *queue, body string) string {
	s.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	q.msgs = append(q.msgs, &message{id: id, body: body, sentAt: s.now()})
	s.signalLocked()
	return id
}

func (s *Server) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Len returns how many messages a queue holds, visible or in flight.
func (s *Server) Len(queueURL string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[queueURL].msgs)
}

// Requests returns how many requests of an action were served.
func (s *Server) Requests(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[action]
}

// Receives returns how many times the message with id was received, -1 once deleted.
func (s *Server) Receives(queueURL, id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.queues[queueURL].msgs {
		if m.id == id {
			return m.receives
		}
	}
	return -1
}

// apiError is an SQS error response.
type apiError struct {
	status int
	code   string
	msg    string
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

// ServeHTTP serves one SQS API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out, aerr := s.serve(r)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", "req-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if aerr != nil {
		w.Header().Set("X-Amzn-Query-Error", aerr.code+";Sender")
		w.WriteHeader(aerr.status)
		json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + aerr.code, "message": aerr.msg})
		return
	}
	json.NewEncoder(w).Encode(out)
}

// IsSQS reports whether r is an SQS JSON-protocol call, to share one test endpoint with
// another service.
func IsSQS(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
}

func (s *Server) serve(r *http.Request) (any, *apiError) {
	if r.Method != http.MethodPost {
		return nil, errorf(http.StatusMethodNotAllowed, "InvalidAction", "SQS JSON calls are POSTs, got %s", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.0") {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "content type %q is not application/x-amz-json-1.0", ct)
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "/sqs/aws4_request") {
		return nil, errorf(http.StatusForbidden, "MissingAuthenticationToken", "the request is not SigV4-signed for sqs: %q", auth)
	}
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if !ok {
		return nil, errorf(http.StatusBadRequest, "InvalidAction", "missing X-Amz-Target AmazonSQS.<Action>")
	}
	var req struct {
		QueueURL                    string   `json:"QueueUrl"`
		QueueName                   string   `json:"QueueName"`
		MessageBody                 *string  `json:"MessageBody"`
		MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages"`
		WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
		VisibilityTimeout           *int     `json:"VisibilityTimeout"`
		ReceiptHandle               string   `json:"ReceiptHandle"`
		AttributeNames              []string `json:"AttributeNames"`
		MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "%s: bad request body: %v", action, err)
	}
	s.mu.Lock()
	s.requests[action]++
	s.mu.Unlock()
	if action == "GetQueueUrl" {
		s.mu.Lock()
		defer s.mu.Unlock()
		for url, q := range s.queues {
			if q.name == req.QueueName {
				return map[string]string{"QueueUrl": url}, nil
			}
		}
		return nil, errorf(http.StatusBadRequest, "QueueDoesNotExist", "the queue %q does not exist", req.QueueName)
	}
	s.mu.Lock()
	q := s.queues[req.QueueURL]
	s.mu.Unlock()
	if q == nil {
		return nil, errorf(http.StatusBadRequest, "QueueDoesNotExist", "the queue %q does not exist", req.QueueURL)
	}
	switch action {
	case "SendMessage":
		if req.MessageBody == nil || *req.MessageBody == "" {
			return nil, errorf(http.StatusBadRequest, "MissingParameter", "MessageBody is required")
		}
		s.mu.Lock()
		id := s.sendLocked(q, *req.MessageBody)
		s.mu.Unlock()
		return map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(*req.MessageBody)}, nil
	case "ReceiveMessage":
		return s.receive(r, q, req.MaxNumberOfMessages, req.WaitTimeSeconds, req.VisibilityTimeout, append(req.AttributeNames, req.MessageSystemAttributeNames...))
	case "DeleteMessage", "ChangeMessageVisibility":
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, m := range q.msgs {
			if m.handle == "" || m.handle != req.ReceiptHandle {
				continue
			}
			if action == "DeleteMessage" {
				q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
				return struct{}{}, nil
			}
			if req.VisibilityTimeout == nil || *req.VisibilityTimeout < 0 || *req.VisibilityTimeout > 43200 {
				return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200")
			}
			if !s.now().Before(m.visible) {
				return nil, errorf(http.StatusBadRequest, "MessageNotInflight", "the message %s is not in flight", m.id)
			}
			m.visible = s.now().Add(time.Duration(*req.VisibilityTimeout) * time.Second)
			s.signalLocked()
			return struct{}{}, nil
		}
		return nil, errorf(http.StatusBadRequest, "ReceiptHandleIsInvalid", "the receipt handle %q is not the latest of any message", req.ReceiptHandle)
	case "GetQueueAttributes":
		s.mu.Lock()
		defer s.mu.Unlock()
		visible, inflight := 0, 0
		for _, m := range q.msgs {
			if s.now().Before(m.visible) {
				inflight++
			} else {
				visible++
			}
		}
		return map[string]map[string]string{"Attributes": {
			"ApproximateNumberOfMessages":           strconv.Itoa(visible),
			"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inflight),
		}}, nil
	}
	return nil, errorf(http.StatusBadRequest, "InvalidAction", "the action %q is not implemented by sqstest", action)
}

// receive serves ReceiveMessage, waiting up to WaitTimeSeconds for a visible message.
func (s *Server) receive(r *http.Request, q *queue, maxN, wait, vis *int, attrs []string) (any, *apiError) {
	n, waitFor, visibility := 1, 0, 30
	if maxN != nil {
		n = *maxN
	}
	if wait != nil {
		waitFor = *wait
	}
	if vis != nil {
		visibility = *vis
	}
	if n < 1 || n > 10 {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10, got %d", n)
	}
	if waitFor < 0 || waitFor > 20 {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "WaitTimeSeconds must be 0 to 20, got %d", waitFor)
	}
	deadline := s.now().Add(time.Duration(waitFor) * time.Second)
	for {
		s.mu.Lock()
		now := s.now()
		var out []map[string]any
		next := deadline // the earliest moment something may change by itself
		for _, m := range q.msgs {
			if now.Before(m.visible) {
				if m.visible.Before(next) {
					next = m.visible
				}
				continue
			}
			if len(out) == n {
				break
			}
			s.seq++
			m.handle = fmt.Sprintf("rh-%s-%d", m.id, s.seq)
			m.receives++
			m.visible = now.Add(time.Duration(visibility) * time.Second)
			msg := map[string]any{"MessageId": m.id, "ReceiptHandle": m.handle, "Body": m.body, "MD5OfBody": md5Hex(m.body)}
			if len(attrs) > 0 {
				msg["Attributes"] = map[string]string{
					"ApproximateReceiveCount": strconv.Itoa(m.receives),
					"SentTimestamp":           strconv.FormatInt(m.sentAt.UnixMilli(), 10),
				}
			}
			out = append(out, msg)
		}
		changed := s.changed
		s.mu.Unlock()
		if len(out) > 0 || !now.Before(deadline) {
			return map[string]any{"Messages": out}, nil
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-changed:
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, errorf(http.StatusBadRequest, "RequestCanceled", "the client went away")
		}
		t.Stop()
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
