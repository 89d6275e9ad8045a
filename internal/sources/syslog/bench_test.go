package syslog

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchMessages returns n RFC 5424 messages of about 200 bytes.
func benchMessages(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `<165>1 2024-05-01T12:%02d:%02d.%03dZ host-%d.example.com sshd %d ID47 [exampleSDID@32473 iut="3" eventSource="Application"] Accepted publickey for user%d from 198.51.100.%d port %d ssh2`,
			i/60%60, i%60, i%1000, i%50, 1000+i%9000, i%100, i%256, 1024+i%60000)
	}
	return out
}

func BenchmarkFramer(b *testing.B) {
	msgs := benchMessages(10000)
	var lf bytes.Buffer
	for _, m := range msgs {
		lf.Write(m)
		lf.WriteByte('\n')
	}
	streams := map[string][]byte{
		"octet-counting":  octetEncode(msgs),
		"non-transparent": lf.Bytes(),
	}
	for _, name := range []string{"octet-counting", "non-transparent"} {
		data := streams[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			r := bytes.NewReader(data)
			for b.Loop() {
				r.Reset(data)
				fr := NewFramer(r, 64<<10)
				n := 0
				for {
					_, err := fr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != len(msgs) {
					b.Fatalf("%d messages, want %d", n, len(msgs))
				}
			}
			b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
