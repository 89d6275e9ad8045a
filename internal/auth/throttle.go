package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Limits are the sign-in back-off rules. Failed sign-ins are counted per account (the e-mail
// tried, whether or not a user has it, so the answers do not tell which accounts exist) and
// per client address (IPv6 by /64). Past the free failures, each further failure blocks the
// key for Backoff, doubling up to MaxBackoff; while blocked, attempts are refused without
// checking the password. A successful sign-in clears the account's count; counts are
// forgotten after Forget without a failure.
type Limits struct {
	AccountFailures int
	AddressFailures int
	Backoff         time.Duration
	MaxBackoff      time.Duration
	Forget          time.Duration
}

// DefaultLimits: 5 free failures per account, 20 per address, then 2 s doubling to 15 min,
// forgotten after an hour.
var DefaultLimits = Limits{AccountFailures: 5, AddressFailures: 20, Backoff: 2 * time.Second,
	MaxBackoff: 15 * time.Minute, Forget: time.Hour}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.AccountFailures > 0 {
		d.AccountFailures = l.AccountFailures
	}
	if l.AddressFailures > 0 {
		d.AddressFailures = l.AddressFailures
	}
	if l.Backoff > 0 {
		d.Backoff = l.Backoff
	}
	if l.MaxBackoff > 0 {
		d.MaxBackoff = l.MaxBackoff
	}
	if l.Forget > 0 {
		d.Forget = l.Forget
	}
	return d
}

// delay is the block after the n-th failure when free failures are allowed.
func (l Limits) delay(n, free int) time.Duration {
	if n <= free {
		return 0
	}
	d := l.Backoff
	for i := free + 1; i < n && d < l.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, l.MaxBackoff)
}

func accountKey(email string) string { return "account:" + emailKey(email) }

// addressKey is the throttle key of a client address: the IP without the port; an IPv6
// address by its /64, which one client can easily hold whole.
func addressKey(remote string) string {
	if remote == "" {
		return ""
	}
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "addr:" + host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + ip.String()
}

// throttled returns a *RateLimitError while the account or the address is blocked.
func (s *Service) throttled(ctx context.Context, email, remote string) error {
	now := micros(s.now())
	var until int64
	for _, k := range []string{accountKey(email), addressKey(remote)} {
		if k == "" {
			continue
		}
		var b int64
		err := s.db.QueryRowContext(ctx, `SELECT blocked_until FROM auth_throttle WHERE key = ?`, k).Scan(&b)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("auth: sign-in limits: %w", err)
		}
		until = max(until, b)
	}
	if until <= now {
		return nil
	}
	wait := time.Duration(until-now) * time.Microsecond
	return &RateLimitError{RetryAfter: (wait + time.Second - 1).Truncate(time.Second)}
}

// recordFailure counts a failed sign-in against the account and the address.
func (s *Service) recordFailure(ctx context.Context, email, remote string) error {
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	for _, k := range []struct {
		key  string
		free int
	}{{accountKey(email), s.opts.Limits.AccountFailures}, {addressKey(remote), s.opts.Limits.AddressFailures}} {
		if k.key == "" {
			continue
		}
		var n int
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT failures, last_failure FROM auth_throttle WHERE key = ?`, k.key).Scan(&n, &last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("auth: sign-in limits: %w", err)
		}
		if err != nil || now.Sub(fromMicros(last)) > s.opts.Limits.Forget {
			n = 0
		}
		n++
		var until int64
		if d := s.opts.Limits.delay(n, k.free); d > 0 {
			until = micros(now.Add(d))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_throttle (key, failures, last_failure, blocked_until)
			VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
			last_failure = excluded.last_failure, blocked_until = excluded.blocked_until`,
			k.key, n, micros(now), until); err != nil {
			return fmt.Errorf("auth: sign-in limits: %w", err)
		}
	}
	// Forget old counts so the table stays as small as the recent failures.
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_throttle WHERE last_failure < ? AND blocked_until < ?`,
		micros(now.Add(-s.opts.Limits.Forget)), micros(now)); err != nil {
		return fmt.Errorf("auth: sign-in limits: %w", err)
	}
	return commit(tx)
}

// clearAccount forgets the account's failures after a successful sign-in. The address keeps
// its count: one valid account must not reset the limit of an address guessing others.
func (s *Service) clearAccount(ctx context.Context, email string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_throttle WHERE key = ?`, accountKey(email)); err != nil {
		return fmt.Errorf("auth: sign-in limits: %w", err)
	}
	return nil
}
