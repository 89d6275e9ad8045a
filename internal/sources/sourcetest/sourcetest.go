// Package sourcetest has the fakes the tests of source kinds share: a Publisher that
// records what it accepts (and can refuse), a Reporter that records what it is told, and a
// deadline-bound poll for conditions another goroutine makes true.
package sourcetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// Publisher records the payloads it accepts. It is safe for concurrent use.
type Publisher struct {
	mu       sync.Mutex
	accepted []*sources.Payload
	records  int
	attempts []*sources.Payload
	reject   func(p *sources.Payload) error
	changed  chan struct{}
}

var _ sources.Publisher = (*Publisher)(nil)

// Reject makes the publisher call fn before accepting a payload; a non-nil error refuses
// it (wrap sources.ErrBackpressure to push back). fn runs without the publisher's lock.
func (f *Publisher) Reject(fn func(p *sources.Payload) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reject = fn
}

// Publish records p, unless the Reject function refuses it.
func (f *Publisher) Publish(ctx context.Context, p *sources.Payload) error {
	f.mu.Lock()
	f.attempts = append(f.attempts, p)
	reject := f.reject
	f.mu.Unlock()
	if reject != nil {
		if err := reject(p); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, p)
	f.records += len(p.Records)
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	return nil
}

// Payloads returns the payloads accepted, in order.
func (f *Publisher) Payloads() []*sources.Payload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.accepted)
}

// Attempts returns every payload offered, accepted or not, in order.
func (f *Publisher) Attempts() []*sources.Payload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.attempts)
}

// Records returns the records of the accepted payloads, as strings, in order.
func (f *Publisher) Records() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, f.records)
	for _, p := range f.accepted {
		for _, r := range p.Records {
			out = append(out, string(r))
		}
	}
	return out
}

// WaitRecords waits until at least n records were accepted and returns them; it fails
// the test after 20 s.
func (f *Publisher) WaitRecords(t testing.TB, n int) []string {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		have := f.records
		if have < n && f.changed == nil {
			f.changed = make(chan struct{})
		}
		changed := f.changed
		f.mu.Unlock()
		if have >= n {
			return f.Records()
		}
		select {
		case <-changed:
		case <-deadline.C:
			recs := f.Records()
			t.Fatalf("%d records published, want %d; the last: %q", len(recs), n, recs[max(0, len(recs)-5):])
		}
	}
}

// Reporter records the errors reported (nil for a cleared status).
type Reporter struct {
	mu   sync.Mutex
	errs []error
}

var _ sources.Reporter = (*Reporter)(nil)

// Error records err.
func (r *Reporter) Error(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// Errors returns what was reported, in order.
func (r *Reporter) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// Last returns the last error reported, nil when none was.
func (r *Reporter) Last() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) == 0 {
		return nil
	}
	return r.errs[len(r.errs)-1]
}

// Eventually polls cond until it holds, and fails the test after 20 s naming what it
// waited for. It is for conditions that another goroutine makes true and that offer
// nothing to wait on (a counter, a file appearing).
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising
	}
}
