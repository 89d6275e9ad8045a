package authhttp

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies (a TLS terminator, a load balancer) trusted to say in
// X-Forwarded-For whom they forward for. Behind a proxy every request's TCP peer is the proxy,
// so without this the sign-in back-off per address would block everyone at once and the audit
// log would say every sign-in came from the proxy. The zero value trusts nobody: the TCP peer
// is the client.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of IP addresses and CIDR prefixes
// ("10.0.0.0/8,127.0.0.1"); an empty string trusts nobody.
func ParseProxies(s string) (Proxies, error) {
	var p Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pre, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
			}
			p = append(p, pre.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		ip = ip.Unmap()
		p = append(p, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return p, nil
}

// trusts reports whether ip is one of the proxies.
func (p Proxies) trusts(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, pre := range p {
		if pre.Contains(ip) {
			return true
		}
	}
	return false
}

// ClientAddr is the address of the client behind r: the TCP peer (r.RemoteAddr) unless the peer
// is a trusted proxy; then X-Forwarded-For is read from its right end (the entry the nearest
// proxy appended), past further trusted proxies, and the first address not trusted is the
// client. Entries left of it were written by the client and are ignored, so a client cannot
// choose its address by sending the header itself. A header the proxies left malformed keeps
// the last address that could be read.
func (p Proxies) ClientAddr(r *http.Request) string {
	if len(p) == 0 {
		return r.RemoteAddr
	}
	peer, ok := parseHostAddr(r.RemoteAddr)
	if !ok || !p.trusts(peer) {
		return r.RemoteAddr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := r.RemoteAddr
	for i := len(hops) - 1; i >= 0; i-- {
		ip, ok := parseHostAddr(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		client = ip.String()
		if !p.trusts(ip) {
			break
		}
	}
	return client
}

// RealClient is a middleware that sets r.RemoteAddr to ClientAddr(r), for every handler
// after it (the audit log, the sign-in back-off, p_source_address of pushed events). A
// forwarded address has no port.
func (p Proxies) RealClient(next http.Handler) http.Handler {
	if len(p) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr := p.ClientAddr(r); addr != r.RemoteAddr {
			r = r.WithContext(r.Context()) // a shallow copy: the caller's request stays as it was
			r.RemoteAddr = addr
		}
		next.ServeHTTP(w, r)
	})
}

// parseHostAddr reads "1.2.3.4", "1.2.3.4:5678", "2001:db8::1" or "[2001:db8::1]:5678".
func parseHostAddr(s string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap(), true
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}
