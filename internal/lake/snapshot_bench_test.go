package lake

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchLake makes a table of days*24 hour partitions with perHour files each, a third of the
// hours compacted (a compacted file and its sidecar replacing the others).
func benchLake(b *testing.B, days, perHour int) string {
	b.Helper()
	dir := b.TempDir()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for h := 0; h < days*24; h++ {
		p := PartitionDir(dir, Logs, "aws_cloudtrail", start.Add(time.Duration(h)*time.Hour))
		var names []string
		for i := 0; i < perHour; i++ {
			name := fmt.Sprintf("20240101T000000Z-%04d.parquet", i)
			names = append(names, fmt.Sprintf("%q", name))
			writeB(b, filepath.Join(p, name), "x")
		}
		if h%3 == 0 {
			writeB(b, filepath.Join(p, "compact-1.parquet"), "xx")
			writeB(b, filepath.Join(p, "compact-1.parquet.replaces"), fmt.Sprintf(`{"replaces":[%s]}`, join(names)))
		}
	}
	return dir
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func writeB(b *testing.B, path, data string) {
	b.Helper()
	t := &testing.T{}
	write(t, path, data)
	if t.Failed() {
		b.Fatal("write failed")
	}
}

// BenchmarkListFiles lists a table of 30 days of hourly partitions with 10 files each
// (7,200 files): cold (a new Lister) and warm (the directories unchanged since the last
// listing, the case of every query on a quiet lake).
func BenchmarkListFiles(b *testing.B) {
	dir := benchLake(b, 30, 10)
	for _, warm := range []bool{false, true} {
		b.Run(map[bool]string{false: "cold", true: "warm"}[warm], func(b *testing.B) {
			l := NewLister(dir)
			l.now = func() time.Time { return time.Now().Add(time.Hour) } // listings are old enough to trust
			if warm {
				if _, err := l.Files(Logs, "aws_cloudtrail"); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			var n int
			for i := 0; i < b.N; i++ {
				if !warm {
					l = NewLister(dir)
				}
				files, err := l.Files(Logs, "aws_cloudtrail")
				if err != nil {
					b.Fatal(err)
				}
				n = len(files)
			}
			b.ReportMetric(float64(n), "files")
		})
	}
}
