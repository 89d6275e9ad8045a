package sources

import (
	"context"
	"sync"
	"time"
)

// HealthyAfter is how long a source must go without a problem before Health clears its
// status error.
const HealthyAfter = time.Minute

// Health reports a running source's problems to its Reporter and clears the status error
// once the source has worked for HealthyAfter without one, so that a short spell of
// trouble stays visible in `panther sources show` for a while. It is safe for concurrent
// use.
type Health struct {
	rep Reporter
	now func() time.Time

	mu     sync.Mutex
	failed time.Time // when the last problem was reported; zero when healthy
}

// NewHealth returns a Health reporting to rep (nil: nowhere) on the clock now (nil:
// time.Now).
func NewHealth(rep Reporter, now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{rep: rep, now: now}
}

// Fail reports err. It returns true when the source was healthy before: the first problem
// of a spell, which a source may log while it only counts the next ones.
func (h *Health) Fail(err error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.failed.IsZero() || h.now().Sub(h.failed) >= HealthyAfter
	h.failed = h.now()
	if h.rep != nil {
		h.rep.Error(err)
	}
	return first
}

// OK records that the source did its work; it clears the status error once the last
// problem is HealthyAfter old.
func (h *Health) OK() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed.IsZero() || h.now().Sub(h.failed) < HealthyAfter {
		return
	}
	h.failed = time.Time{}
	if h.rep != nil {
		h.rep.Error(nil)
	}
}

// Sleep waits d, or until ctx ends; it reports whether the whole wait passed. Sources use
// it for their retry backoffs.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
