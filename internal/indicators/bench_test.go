package indicators

import (
	"os"
	"testing"
)

// BenchmarkCloudTrailEvent scans the indicator fields of a typical CloudTrail event, as the
// decoder does for each one: source address, user ARN, two account ids, user name, the
// request id and the user agent's host, then reads every column.
func BenchmarkCloudTrailEvent(b *testing.B) {
	fields := []struct {
		sc Scanner
		v  string
	}{
		{ScanIP, "203.0.113.7"},
		{ScanAWSARN, "arn:aws:iam::123456789012:user/alice"},
		{ScanAWSAccountID, "123456789012"},
		{ScanAWSAccountID, "123456789012"},
		{ScanUsername, "alice"},
		{ScanAWSARN, "arn:aws:sts::123456789012:assumed-role/Admin/alice"},
		{ScanTraceID, "6f5f1b0e-1a2b-4c3d-9e8f-0123456789ab"},
		{ScanDomain, "ec2.amazonaws.com"},
	}
	var s Set
	b.ReportAllocs()
	for b.Loop() {
		s.Reset()
		for _, f := range fields {
			f.sc.Scan(&s, f.v)
		}
		for _, k := range Kinds {
			s.Values(k)
		}
	}
}

// BenchmarkScanJSON scans the requestParameters and responseElements of a RunInstances event.
func BenchmarkScanJSON(b *testing.B) {
	for _, file := range []string{"cloudtrail_runinstances.json", "guardduty_finding.json"} {
		raw, err := os.ReadFile("testdata/" + file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(file, func(b *testing.B) {
			var s Set
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				s.Reset()
				if err := ScanJSON(&s, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScanner measures single scanners on typical values.
func BenchmarkScanner(b *testing.B) {
	for _, c := range []struct {
		name string
		sc   Scanner
		v    string
	}{
		{"ipv4", ScanIP, "203.0.113.7"},
		{"ipv6", ScanIP, "2001:DB8:0:0:0:0:0:1"},
		{"hostname_domain", ScanHostname, "ip-10-0-1-23.us-west-2.compute.internal"},
		{"domain_punycode", ScanDomain, "www.xn--bcher-kva.example"},
		{"url", ScanURL, "https://www.example.com:8443/path?q=1"},
		{"net_addr", ScanNetAddr, "[2001:db8::1]:443"},
		{"sha256", ScanSHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
		{"arn_instance", ScanAWSARN, "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890"},
		{"email", ScanEmail, "Alice Smith <Alice@Example.com>"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var s Set
			b.ReportAllocs()
			for b.Loop() {
				s.Reset()
				c.sc.Scan(&s, c.v)
			}
		})
	}
}
