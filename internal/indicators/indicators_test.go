package indicators

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// contents returns every non-empty kind of the set, for comparison in tests.
func contents(s *Set) map[Kind][]string {
	m := map[Kind][]string{}
	for _, k := range Kinds {
		if v := s.Values(k); v != nil {
			m[k] = append([]string(nil), v...)
		}
	}
	return m
}

type kv = map[Kind][]string

func TestKinds(t *testing.T) {
	want := []string{"p_any_ip_addresses", "p_any_domain_names", "p_any_md5_hashes",
		"p_any_sha1_hashes", "p_any_sha256_hashes", "p_any_trace_ids", "p_any_aws_account_ids",
		"p_any_aws_instance_ids", "p_any_aws_arns", "p_any_aws_tags", "p_any_emails", "p_any_usernames"}
	if len(Kinds) != len(want) {
		t.Fatalf("%d kinds, want %d", len(Kinds), len(want))
	}
	for i, k := range Kinds {
		if int(k) != i || k.Column() != want[i] {
			t.Errorf("Kinds[%d] = %d with column %q, want %d and %q", i, k, k.Column(), i, want[i])
		}
		if got, ok := KindOfColumn(want[i]); !ok || got != k {
			t.Errorf("KindOfColumn(%q) = %v, %v; want %v", want[i], got, ok, k)
		}
		if k.String() != strings.TrimPrefix(want[i], "p_any_") {
			t.Errorf("Kind(%d).String() = %q", k, k.String())
		}
	}
	for _, bad := range []string{"p_any_", "ip_addresses", "p_any_ips", ""} {
		if _, ok := KindOfColumn(bad); ok {
			t.Errorf("KindOfColumn(%q) succeeded", bad)
		}
	}
	if got := Kind(200).Column(); !strings.Contains(got, "invalid") {
		t.Errorf("Kind(200).Column() = %q", got)
	}
}

func TestParseScanner(t *testing.T) {
	names := []string{"ip", "domain", "hostname", "url", "net_addr", "md5", "sha1", "sha256",
		"trace_id", "aws_account_id", "aws_arn", "aws_instance_id", "aws_tag", "email", "username"}
	if len(Scanners) != len(names) {
		t.Fatalf("%d scanners, want %d", len(Scanners), len(names))
	}
	for i, name := range names {
		s, err := ParseScanner(name)
		if err != nil || s != Scanners[i] || s.String() != name {
			t.Errorf("ParseScanner(%q) = %v (%q), %v", name, s, s.String(), err)
		}
		if len(s.Kinds()) == 0 {
			t.Errorf("%s.Kinds() is empty", name)
		}
	}
	_, err := ParseScanner("ipaddress")
	const want = `unknown indicator scanner "ipaddress": expected one of ip, domain, hostname, url, net_addr, md5, sha1, sha256, trace_id, aws_account_id, aws_arn, aws_instance_id, aws_tag, email, username`
	if err == nil || err.Error() != want {
		t.Errorf("ParseScanner(ipaddress) error = %v, want %q", err, want)
	}
	if got := ScanAWSARN.Kinds(); !reflect.DeepEqual(got, []Kind{KindAWSAccountID, KindAWSInstanceID, KindAWSARN}) {
		t.Errorf("aws_arn kinds = %v", got)
	}
	if got := ScanHostname.Kinds(); !reflect.DeepEqual(got, []Kind{KindIPAddress, KindDomainName}) {
		t.Errorf("hostname kinds = %v", got)
	}
	ScanHostname.Kinds()[0] = KindEmail
	if ScanHostname.Kinds()[0] != KindIPAddress {
		t.Errorf("Kinds returns a shared slice")
	}
}

// TestScanners checks each scanner on typical and odd values. A nil want means the value is
// rejected.
func TestScanners(t *testing.T) {
	ip := func(v ...string) kv { return kv{KindIPAddress: v} }
	dom := func(v ...string) kv { return kv{KindDomainName: v} }
	cases := []struct {
		scanner Scanner
		in      string
		want    kv
	}{
		// ip
		{ScanIP, "1.2.3.4", ip("1.2.3.4")},
		{ScanIP, "  10.0.0.1\n", ip("10.0.0.1")},
		{ScanIP, "0.0.0.0", ip("0.0.0.0")},
		{ScanIP, "255.255.255.255", ip("255.255.255.255")},
		{ScanIP, "2001:DB8:0:0:0:0:0:1", ip("2001:db8::1")},
		{ScanIP, "2001:0db8:0000:0000:0000:ff00:0042:8329", ip("2001:db8::ff00:42:8329")},
		{ScanIP, "::1", ip("::1")},
		{ScanIP, "203.0.113.7, 10.0.0.1,2001:db8::2", ip("10.0.0.1", "2001:db8::2", "203.0.113.7")},
		{ScanIP, "203.0.113.7, unknown", ip("203.0.113.7")},
		{ScanHostname, "client.example.com, 10.0.0.1", kv{KindIPAddress: {"10.0.0.1"}, KindDomainName: {"client.example.com"}}},
		{ScanNetAddr, "198.51.100.1:443, [2001:db8::5]:80", ip("198.51.100.1", "2001:db8::5")},
		{ScanIP, "::", ip("::")},
		{ScanIP, "::ffff:192.0.2.128", ip("192.0.2.128")},
		{ScanIP, "::FFFF:c000:0280", ip("192.0.2.128")},
		{ScanIP, "64:ff9b::192.0.2.33", ip("64:ff9b::c000:221")},
		{ScanIP, "fe80::1%eth0", ip("fe80::1")},
		{ScanIP, "fe80::1%", nil},
		{ScanIP, "1.2.3.4:80", nil},
		{ScanIP, "[::1]", nil},
		{ScanIP, "01.2.3.4", nil},
		{ScanIP, "1.2.3", nil},
		{ScanIP, "256.1.1.1", nil},
		{ScanIP, "example.com", nil},
		{ScanIP, "-", nil},
		{ScanIP, "", nil},
		{ScanIP, "   ", nil},
		// domain
		{ScanDomain, "Example.COM", dom("example.com")},
		{ScanDomain, "www.example.com.", dom("www.example.com")},
		{ScanDomain, "localhost", dom("localhost")},
		{ScanDomain, "_dmarc.example.com", dom("_dmarc.example.com")},
		{ScanDomain, "xn--mnchen-3ya.de", dom("münchen.de")},
		{ScanDomain, "XN--MNCHEN-3YA.DE", dom("münchen.de")},
		{ScanDomain, "www.xn--bcher-kva.example", dom("www.bücher.example")},
		{ScanDomain, "xn--r8jz45g.jp", dom("例え.jp")},
		{ScanDomain, "xn--80aealotwbjpid2k.xn--p1ai", dom("правительство.рф")},
		{ScanDomain, "xn--wgv71a119e.jp", dom("日本語.jp")},
		{ScanDomain, "xn--fa-hia.de", dom("faß.de")},
		{ScanDomain, "xn--abc.com", dom("xn--abc.com")},   // invalid Punycode is kept
		{ScanDomain, "xn--abc-.com", dom("xn--abc-.com")}, // decodes to ASCII only: kept
		{ScanDomain, "MÜNCHEN.de", dom("münchen.de")},
		{ScanDomain, "a..b", nil},
		{ScanDomain, ".example.com", nil},
		{ScanDomain, ".", nil},
		{ScanDomain, "exa mple.com", nil},
		{ScanDomain, "example.com/path", nil},
		{ScanDomain, "user@example.com", nil},
		{ScanDomain, "1.2.3.4", nil},
		{ScanDomain, "12345", nil},
		{ScanDomain, "host.123", nil},
		{ScanDomain, "123.example", dom("123.example")},
		{ScanDomain, strings.Repeat("a", 63) + ".com", dom(strings.Repeat("a", 63) + ".com")},
		{ScanDomain, strings.Repeat("a", 64) + ".com", nil},
		{ScanDomain, strings.Repeat("abcdefghi.", 26) + "com", nil},
		{ScanDomain, "bad\xffutf8.com", nil},
		{ScanDomain, "☃.com", nil},
		// hostname
		{ScanHostname, "10.1.2.3", ip("10.1.2.3")},
		{ScanHostname, "[2001:db8::1]", ip("2001:db8::1")},
		{ScanHostname, "ip-10-1-2-3.ec2.internal", dom("ip-10-1-2-3.ec2.internal")},
		{ScanHostname, "WORKSTATION-7", dom("workstation-7")},
		{ScanHostname, "fe80::1%en0", ip("fe80::1")},
		{ScanHostname, "not a host", nil},
		// url
		{ScanURL, "https://www.Example.com/path?q=1#frag", dom("www.example.com")},
		{ScanURL, "http://user:pass@example.com:8080/", dom("example.com")},
		{ScanURL, "http://10.0.0.1:8080/x", ip("10.0.0.1")},
		{ScanURL, "https://[2001:db8::1]:443/index.html", ip("2001:db8::1")},
		{ScanURL, "http://[::ffff:1.2.3.4]/", ip("1.2.3.4")},
		{ScanURL, "example.com/path/to/file", dom("example.com")},
		{ScanURL, "example.com:8443/path", dom("example.com")},
		{ScanURL, "//cdn.example.com/lib.js", dom("cdn.example.com")},
		{ScanURL, "ftp://files.example.org", dom("files.example.org")},
		{ScanURL, "s3://my-bucket/key", dom("my-bucket")},
		{ScanURL, "https://xn--mnchen-3ya.de/", dom("münchen.de")},
		{ScanURL, "mailto:bob@example.com", dom("example.com")},
		{ScanURL, "/just/a/path", nil},
		{ScanURL, "https://", nil},
		{ScanURL, "http://exa mple.com/", nil},
		// net_addr
		{ScanNetAddr, "1.2.3.4:80", ip("1.2.3.4")},
		{ScanNetAddr, "1.2.3.4", ip("1.2.3.4")},
		{ScanNetAddr, "[2001:db8::1]:443", ip("2001:db8::1")},
		{ScanNetAddr, "[2001:db8::1]", ip("2001:db8::1")},
		{ScanNetAddr, "2001:db8::1", ip("2001:db8::1")},
		{ScanNetAddr, "[fe80::1%eth0]:22", ip("fe80::1")},
		{ScanNetAddr, "Example.com:22", dom("example.com")},
		{ScanNetAddr, "example.com", dom("example.com")},
		{ScanNetAddr, "example.com:http", nil},
		{ScanNetAddr, "1.2.3.4:", nil},
		{ScanNetAddr, "[2001:db8::1]x", nil},
		{ScanNetAddr, "[2001:db8::1", nil},
		{ScanNetAddr, ":80", nil},
		// hashes
		{ScanMD5, "D41D8CD98F00B204E9800998ECF8427E", kv{KindMD5: {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{ScanMD5, "d41d8cd98f00b204e9800998ecf8427", nil},
		{ScanMD5, "d41d8cd98f00b204e9800998ecf8427g", nil},
		{ScanSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", kv{KindSHA1: {"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}},
		{ScanSHA1, "d41d8cd98f00b204e9800998ecf8427e", nil},
		{ScanSHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", kv{KindSHA256: {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		{ScanSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", nil},
		{ScanSHA256, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil},
		// trace id, username, tag: any value
		{ScanTraceID, "1-5759e988-bd862e3fe1be46a994272793", kv{KindTraceID: {"1-5759e988-bd862e3fe1be46a994272793"}}},
		{ScanTraceID, "-", nil},
		{ScanUsername, " Alice ", kv{KindUsername: {"Alice"}}},
		{ScanUsername, "", nil},
		{ScanAWSTag, "Environment:prod", kv{KindAWSTag: {"Environment:prod"}}},
		// AWS ids
		{ScanAWSAccountID, "123456789012", kv{KindAWSAccountID: {"123456789012"}}},
		{ScanAWSAccountID, "12345678901", nil},
		{ScanAWSAccountID, "1234567890123", nil},
		{ScanAWSAccountID, "12345678901a", nil},
		{ScanAWSInstanceID, "i-0123456789abcdef0", kv{KindAWSInstanceID: {"i-0123456789abcdef0"}}},
		{ScanAWSInstanceID, "i-12345678", kv{KindAWSInstanceID: {"i-12345678"}}},
		{ScanAWSInstanceID, "i-", nil},
		{ScanAWSInstanceID, "ami-12345678", nil},
		{ScanAWSInstanceID, "i-1234/5678", nil},
		// ARNs
		{ScanAWSARN, "arn:aws:iam::123456789012:user/alice", kv{
			KindAWSARN: {"arn:aws:iam::123456789012:user/alice"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890", kv{
			KindAWSARN:        {"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890"},
			KindAWSAccountID:  {"123456789012"},
			KindAWSInstanceID: {"i-0abc1234def567890"}}},
		{ScanAWSARN, "arn:aws:ec2:us-east-1:123456789012:instance/", kv{
			KindAWSARN: {"arn:aws:ec2:us-east-1:123456789012:instance/"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:s3:::my-bucket/path/to/key.txt", kv{KindAWSARN: {"arn:aws:s3:::my-bucket/path/to/key.txt"}}},
		{ScanAWSARN, "arn:aws-cn:s3:::bucket-cn", kv{KindAWSARN: {"arn:aws-cn:s3:::bucket-cn"}}},
		{ScanAWSARN, "arn:aws-us-gov:iam::123456789012:role/Admin", kv{
			KindAWSARN: {"arn:aws-us-gov:iam::123456789012:role/Admin"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:iam::aws:policy/AdministratorAccess", kv{KindAWSARN: {"arn:aws:iam::aws:policy/AdministratorAccess"}}},
		{ScanAWSARN, "arn:aws:lambda:us-west-2:123456789012:function:my-fn:PROD", kv{
			KindAWSARN: {"arn:aws:lambda:us-west-2:123456789012:function:my-fn:PROD"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:sts::123456789012:assumed-role/Role/session@example.com", kv{
			KindAWSARN: {"arn:aws:sts::123456789012:assumed-role/Role/session@example.com"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:sns:eu-west-1:123456789012:topic", kv{
			KindAWSARN: {"arn:aws:sns:eu-west-1:123456789012:topic"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:dynamodb:us-east-1:123456789012:table/Books/stream/2021-01-01T00:00:00.000", kv{
			KindAWSARN: {"arn:aws:dynamodb:us-east-1:123456789012:table/Books/stream/2021-01-01T00:00:00.000"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:ec2:us-east-1:123456789012:volume/vol-1234", kv{
			KindAWSARN: {"arn:aws:ec2:us-east-1:123456789012:volume/vol-1234"}, KindAWSAccountID: {"123456789012"}}},
		{ScanAWSARN, "arn:aws:s3:::", nil},
		{ScanAWSARN, "arn::s3:::bucket", nil},
		{ScanAWSARN, "arn:aws:iam:123456789012:user/x", nil},
		{ScanAWSARN, "ARN:aws:iam::123456789012:user/x", nil},
		{ScanAWSARN, "arn:aws:iam::123456789012:user/has space", nil},
		{ScanAWSARN, "arn:aws", nil},
		// email
		{ScanEmail, "Alice@Example.COM", kv{KindEmail: {"alice@example.com"}}},
		{ScanEmail, "Alice Smith <alice.smith+tag@example.com>", kv{KindEmail: {"alice.smith+tag@example.com"}}},
		{ScanEmail, "mailto:BOB@example.org", kv{KindEmail: {"bob@example.org"}}},
		{ScanEmail, "\"odd@local\"@example.com", kv{KindEmail: {"\"odd@local\"@example.com"}}},
		{ScanEmail, "Jörg@Bücher.example", kv{KindEmail: {"jörg@bücher.example"}}},
		{ScanEmail, "alice", nil},
		{ScanEmail, "@example.com", nil},
		{ScanEmail, "alice@", nil},
		{ScanEmail, "al ice@example.com", nil},
		{ScanEmail, "<>", nil},
	}
	var set Set
	for _, tc := range cases {
		set.Reset()
		tc.scanner.Scan(&set, tc.in)
		got := contents(&set)
		want := tc.want
		if want == nil {
			want = kv{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s.Scan(%q) = %v, want %v", tc.scanner, tc.in, got, want)
		}
		for k := range got {
			if !containsKind(tc.scanner.Kinds(), k) {
				t.Errorf("%s.Scan(%q) produced kind %s, not in its Kinds()", tc.scanner, tc.in, k)
			}
		}
	}
}

func containsKind(kinds []Kind, k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func TestPunycodeVectors(t *testing.T) {
	// Sample strings of RFC 3492, section 7.1, and their Punycode.
	for _, tc := range []struct{ enc, dec string }{
		{"egbpdaj6bu4bxfgehfvwxn", "ليهمابتكلموشعربي؟"},
		{"ihqwcrb4cv8a8dqg056pqjye", "他们为什么不说中文"},
		{"Proprostnemluvesky-uyb24dma41a", "Pročprostěnemluvíčesky"},
		{"4dbcagdahymbxekheh6e0a7fei0b", "למההםפשוטלאמדבריםעברית"},
		{"PorqunopuedensimplementehablarenEspaol-fmd56a", "PorquénopuedensimplementehablarenEspañol"},
		{"3B-ww4c5e180e575a65lsy2b", "3年B組金八先生"},
		{"-> $1.00 <--", "-> $1.00 <-"},
		{"mnchen-3ya", "münchen"},
	} {
		got, ok := decodePunycode(nil, tc.enc)
		if !ok || string(got) != tc.dec {
			t.Errorf("decodePunycode(%q) = %q, %v; want %q", tc.enc, string(got), ok, tc.dec)
		}
	}
	for _, bad := range []string{"-abc", "abc!", "99999999999", "zzzzzzzzzzzzzzzzzzzzzzzzzzzz", "ü-abc", "a-b"} {
		if got, ok := decodePunycode(nil, bad); ok && bad != "a-b" {
			t.Errorf("decodePunycode(%q) = %q, want failure", bad, string(got))
		}
	}
}

func TestSetValuesSortedDeduplicated(t *testing.T) {
	var s Set
	if s.Values(KindIPAddress) != nil {
		t.Fatal("zero Set has values")
	}
	for _, v := range []string{"10.0.0.2", "10.0.0.1", "10.0.0.2", "::1", "10.0.0.1"} {
		ScanIP.Scan(&s, v)
	}
	want := []string{"10.0.0.1", "10.0.0.2", "::1"}
	if got := s.Values(KindIPAddress); !reflect.DeepEqual(got, want) {
		t.Errorf("Values = %v, want %v", got, want)
	}
	if s.Len(KindIPAddress) != 3 || s.Len(KindEmail) != 0 {
		t.Errorf("Len = %d, %d", s.Len(KindIPAddress), s.Len(KindEmail))
	}
	// Past the linear de-duplication limit, duplicates are removed by sorting.
	s.Reset()
	for i := 0; i < 100; i++ {
		s.Add(KindUsername, fmt.Sprintf("user%02d", (i*7)%40))
	}
	got := s.Values(KindUsername)
	if len(got) != 40 || got[0] != "user00" || got[39] != "user39" {
		t.Errorf("Values after 100 adds of 40 names: %d values, %v...", len(got), got[:3])
	}
	for i := 1; i < len(got); i++ {
		if got[i-1] >= got[i] {
			t.Fatalf("Values not strictly ascending at %d: %q, %q", i, got[i-1], got[i])
		}
	}
	// Adding after Values keeps the order correct.
	s.Add(KindUsername, "aaa")
	if got := s.Values(KindUsername); got[0] != "aaa" || len(got) != 41 {
		t.Errorf("after Add(aaa): %v", got[:2])
	}
	s.Reset()
	if s.Values(KindUsername) != nil {
		t.Error("Reset kept values")
	}
	s.Add(KindUsername, "")
	s.Add(KindUsername, "-")
	if s.Values(KindUsername) != nil {
		t.Error("Add kept an empty value or -")
	}
}

// TestSetCopiesValues checks that the Set does not keep the caller's bytes, and that strings
// it returned stay unchanged after Reset and further use.
func TestSetCopiesValues(t *testing.T) {
	var s Set
	buf := []byte("alice")
	ScanUsername.Scan(&s, string(buf))
	kept := s.Values(KindUsername)[0]
	copy(buf, "XXXXX")
	if kept != "alice" {
		t.Fatalf("value changed with the caller's buffer: %q", kept)
	}
	for i := 0; i < 10000; i++ {
		s.Reset()
		s.Add(KindUsername, fmt.Sprintf("other-user-%d", i))
	}
	if kept != "alice" {
		t.Fatalf("value changed after Reset and reuse: %q", kept)
	}
}

func TestSetAddPanicsOnInvalidKind(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "invalid Kind 12") {
			t.Errorf("recover() = %v", r)
		}
	}()
	var s Set
	s.Add(Kind(12), "x")
}

func TestParseARN(t *testing.T) {
	a, ok := ParseARN("arn:aws:lambda:us-west-2:123456789012:function:my-fn:PROD")
	want := ARN{Partition: "aws", Service: "lambda", Region: "us-west-2", AccountID: "123456789012", Resource: "function:my-fn:PROD"}
	if !ok || a != want {
		t.Errorf("ParseARN = %+v, %v; want %+v", a, ok, want)
	}
	if id, ok := (ARN{Resource: "instance/i-0abc"}).InstanceID(); !ok || id != "i-0abc" {
		t.Errorf("InstanceID = %q, %v", id, ok)
	}
	if _, ok := (ARN{Resource: "instance/x/i-0abc/"}).InstanceID(); ok {
		t.Error("InstanceID of a resource ending in / succeeded")
	}
}

// TestNoAllocations checks that scanning common values into a warmed-up Set does not allocate.
func TestNoAllocations(t *testing.T) {
	var s Set
	scan := func() {
		s.Reset()
		ScanIP.Scan(&s, "203.0.113.7")
		ScanIP.Scan(&s, "2001:db8::1")
		ScanAWSARN.Scan(&s, "arn:aws:iam::123456789012:user/alice")
		ScanAWSAccountID.Scan(&s, "123456789012")
		ScanUsername.Scan(&s, "alice")
		ScanHostname.Scan(&s, "ec2-203-0-113-7.compute-1.amazonaws.com")
		ScanSHA256.Scan(&s, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")
		ScanURL.Scan(&s, "https://www.example.com/path")
		ScanEmail.Scan(&s, "Alice@Example.com")
		for _, k := range Kinds {
			s.Values(k)
		}
	}
	scan()
	// One arena chunk per chunkSize bytes is allowed: about 300 bytes per event here.
	if allocs := testing.AllocsPerRun(1000, scan); allocs > 0.1 {
		t.Errorf("scanning allocates %.2f times per event", allocs)
	}
}
