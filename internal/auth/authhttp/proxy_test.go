package authhttp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseProxies(t *testing.T) {
	p, err := ParseProxies(" 10.0.0.0/8, 127.0.0.1 ,::ffff:192.0.2.1,2001:db8::/32,")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(p); got != 4 {
		t.Fatalf("%d prefixes, want 4: %v", got, p)
	}
	if p[2].String() != "192.0.2.1/32" {
		t.Errorf("a mapped IPv4 address: %v, want 192.0.2.1/32", p[2])
	}
	if p, err := ParseProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v %v", p, err)
	}
	for _, bad := range []string{"proxy.example.com", "10.0.0.0/33", "10.0.0.1:80", "1.2.3"} {
		if _, err := ParseProxies("127.0.0.1," + bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v, want an error naming it", bad, err)
		}
	}
}

func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy, no header", "203.0.113.9:4000", nil, "203.0.113.9:4000"},
		{"a client sending the header itself", "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9:4000"},
		{"through the proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a spoofed entry left of the proxy's", "10.1.2.3:5000", []string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"header lines in order", "10.1.2.3:5000", []string{"192.0.2.66", "198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"an entry with a port", "10.1.2.3:5000", []string{"198.51.100.1:61000"}, "198.51.100.1"},
		{"IPv6 client and proxy", "[2001:db8::7]:443", []string{"[2001:db8:ffff::1]:1, 2a00:1450::5"}, "2a00:1450::5"},
		{"mapped IPv4 peer", "[::ffff:10.0.0.1]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"only proxies", "10.1.2.3:5000", []string{"10.4.4.4"}, "10.4.4.4"},
		{"the proxy sent no header", "10.1.2.3:5000", nil, "10.1.2.3:5000"},
		{"a malformed nearest entry", "10.1.2.3:5000", []string{"198.51.100.1, unknown"}, "10.1.2.3:5000"},
		{"malformed past a proxy", "10.1.2.3:5000", []string{"garbage, 10.4.4.4"}, "10.4.4.4"},
		{"malformed past the client", "10.1.2.3:5000", []string{"garbage, 198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := proxies.ClientAddr(r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if got := Proxies(nil).ClientAddr(r); got != c.peer {
			t.Errorf("%s, no proxy trusted: %q, want the peer %q", c.name, got, c.peer)
		}
	}
}

// TestRealClient: handlers after the middleware see the client's address; the request the
// middleware was given is left as it was.
func TestRealClient(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	var seen string
	h := proxies.RealClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:9999"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "198.51.100.1" || r.RemoteAddr != "127.0.0.1:9999" {
		t.Errorf("handler saw %q, the request has %q", seen, r.RemoteAddr)
	}
}

func BenchmarkClientAddr(b *testing.B) {
	proxies, _ := ParseProxies("10.0.0.0/8,127.0.0.1,2001:db8::/32")
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5000"
	r.Header.Set("X-Forwarded-For", "192.0.2.66, 198.51.100.1, 10.9.9.9")
	b.ReportAllocs()
	for b.Loop() {
		if proxies.ClientAddr(r) != "198.51.100.1" {
			b.Fatal("wrong address")
		}
	}
}
