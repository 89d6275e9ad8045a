package input

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// cloudTrailEvent returns a CloudTrail-like event of about 1.5 KB.
func cloudTrailEvent(i int) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID%06d:session-%d",`+
		`"arn":"arn:aws:sts::123456789012:assumed-role/ExampleRole/session-%d","accountId":"123456789012","accessKeyId":"ASIAEXAMPLE%09d",`+
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID%06d","arn":"arn:aws:iam::123456789012:role/ExampleRole",`+
		`"accountId":"123456789012","userName":"ExampleRole"},"attributes":{"creationDate":"2021-01-01T00:00:00Z",`+
		`"mfaAuthenticated":"false"}}},"eventTime":"2021-01-01T%02d:%02d:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject",`+
		`"awsRegion":"us-east-1","sourceIPAddress":"10.%d.%d.%d","userAgent":"[aws-sdk-go/1.44.0 (go1.19; linux; amd64)]",`+
		`"requestParameters":{"bucketName":"example-bucket-%d","key":"logs/2021/01/01/object-%d.json.gz"},`+
		`"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256",`+
		`"bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader",`+
		`"bytesTransferredOut":%d},"requestID":"EXAMPLE%011d","eventID":"3e0a0f6e-%04x-4b1c-9d2e-%012x","readOnly":true,`+
		`"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::example-bucket-%d/logs/2021/01/01/object-%d.json.gz"},`+
		`{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-bucket-%d"}],"eventType":"AwsApiCall",`+
		`"managementEvent":false,"recipientAccountId":"123456789012","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.2",`+
		`"cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"example-bucket.s3.us-east-1.amazonaws.com"}}`,
		i, i, i, i, i, i/3600%24, i/60%60, i%60, i%256, i/256%256, i/65536%256, i%10, i, 1000+i, i, i%65536, i, i%10, i, i%10)
}

const benchEvents = 20000

func ndjson(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString(cloudTrailEvent(i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func recordsFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(cloudTrailEvent(i))
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

func prettyJSON(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		if err := json.Indent(&b, []byte(cloudTrailEvent(i)), "", "  "); err != nil {
			panic(err)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func textLines(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "<134>1 2021-01-01T00:00:%02dZ host-%d app %d - - user=alice src=10.0.%d.%d action=allow msg=\"request %d served in %dms\"\n",
			i%60, i%50, 1000+i, i%256, i/256%256, i, i%1000)
	}
	return b.Bytes()
}

// benchFrame frames in b.N times and reports MB/s and records/s.
func benchFrame(b *testing.B, in []byte) { benchRead(b, in, false) }

// benchRead frames in b.N times, through Envelopes (as ingest reads every file) when
// envelopes is set, and reports MB/s and records/s.
func benchRead(b *testing.B, in []byte, envelopes bool) {
	b.Helper()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var src bytes.Reader
	records := 0
	r := NewReader(&src, Options{})
	for b.Loop() {
		src.Reset(in)
		r.Reset(&src)
		next := r.Next
		if envelopes {
			next = NewEnvelopes(r).Next
		}
		for {
			_, err := next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkFrameNDJSON(b *testing.B)  { benchFrame(b, ndjson(benchEvents)) }
func BenchmarkFrameRecords(b *testing.B) { benchFrame(b, recordsFile(benchEvents)) }
func BenchmarkFramePretty(b *testing.B)  { benchFrame(b, prettyJSON(benchEvents)) }
func BenchmarkFrameText(b *testing.B)    { benchFrame(b, textLines(10*benchEvents)) }

// BenchmarkScanner measures the JSON scanner alone on one event.
func BenchmarkScanner(b *testing.B) {
	ev := []byte(cloudTrailEvent(1))
	b.SetBytes(int64(len(ev)))
	var s scanner
	for b.Loop() {
		s.reset()
		if _, st := s.scan(ev); st != scanDone {
			b.Fatal("not done")
		}
	}
}

// benchDecompress decompresses in b.N times; with frame it also frames it.
// MB/s are of decompressed bytes.
func benchDecompress(b *testing.B, in []byte, plainLen int, frame bool) {
	b.Helper()
	b.SetBytes(int64(plainLen))
	b.ReportAllocs()
	var src bytes.Reader
	for b.Loop() {
		src.Reset(in)
		rc, _, err := Decompress(&src)
		if err != nil {
			b.Fatal(err)
		}
		if frame {
			r := NewReader(rc, Options{})
			for {
				if _, err := r.Next(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		} else if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}

func BenchmarkGzip(b *testing.B) {
	plain := ndjson(benchEvents)
	benchDecompress(b, gzipBytes(b, string(plain)), len(plain), false)
}

func BenchmarkGzipFrame(b *testing.B) {
	plain := ndjson(benchEvents)
	benchDecompress(b, gzipBytes(b, string(plain)), len(plain), true)
}

func BenchmarkZstd(b *testing.B) {
	plain := ndjson(benchEvents)
	benchDecompress(b, zstdBytes(b, string(plain)), len(plain), false)
}

func BenchmarkZstdFrame(b *testing.B) {
	plain := ndjson(benchEvents)
	benchDecompress(b, zstdBytes(b, string(plain)), len(plain), true)
}

func BenchmarkBzip2(b *testing.B) {
	benchDecompress(b, readTestdata(b, "lines.txt.bz2"), len(linesText()), false)
}

// TestZeroAllocs checks that framing allocates nothing per record once the
// reader has warmed up, for each kind of input.
func TestZeroAllocs(t *testing.T) {
	for name, in := range map[string][]byte{
		"ndjson":  ndjson(2000),
		"records": recordsFile(2000),
		"pretty":  prettyJSON(500),
		"text":    textLines(5000),
		"array":   []byte("[\n" + strings.Repeat(`{"a":[1,2,{"b":"c"}]},`+"\n", 5000) + "1]"),
	} {
		r := NewReader(bytes.NewReader(in), Options{BufferSize: 64 << 10})
		for range 10 {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per record", name, allocs)
		}
	}
}

// TestCloudTrailEvent keeps the benchmark data honest: valid JSON of about
// 1.5 KB.
func TestCloudTrailEvent(t *testing.T) {
	ev := cloudTrailEvent(123456)
	if !json.Valid([]byte(ev)) {
		t.Fatalf("invalid event: %s", ev)
	}
	if len(ev) < 1400 || len(ev) > 1600 {
		t.Fatalf("event is %d bytes, want about 1.5 KB", len(ev))
	}
	recs := mustFrame(t, recordsFile(3), Options{}, nil)
	if len(recs) != 3 || string(recs[2].Data) != cloudTrailEvent(2) {
		t.Fatalf("records file framed into %d records", len(recs))
	}
}

// BenchmarkBaselineLines splits the NDJSON input at newlines with
// bytes.IndexByte only: the floor the framing benchmarks compare with.
func BenchmarkBaselineLines(b *testing.B) {
	in := ndjson(benchEvents)
	b.SetBytes(int64(len(in)))
	n := 0
	for b.Loop() {
		for p := in; len(p) > 0; {
			i := bytes.IndexByte(p, '\n')
			n += i
			p = p[i+1:]
		}
	}
	if n == 0 {
		b.Fatal("no lines")
	}
}

// benchEnvelopes frames in b.N times through Envelopes, as ingest reads every file.
func benchEnvelopes(b *testing.B, in []byte) { benchRead(b, in, true) }

func BenchmarkEnvelopesNDJSON(b *testing.B) { benchEnvelopes(b, ndjson(benchEvents)) }
func BenchmarkEnvelopesText(b *testing.B)   { benchEnvelopes(b, textLines(10*benchEvents)) }
