package lake_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/synth"
)

// cloudTrailLake writes n synthetic CloudTrail events (about 1.5 KB each, in half an hour)
// in files of perFile events, as a live stream flushing often would.
func cloudTrailLake(b *testing.B, dir string, n, perFile int) {
	b.Helper()
	reg, err := logtypes.Managed()
	if err != nil {
		b.Fatal(err)
	}
	lt := reg.Get("AWS.CloudTrail")
	var buf bytes.Buffer
	if err := synth.CloudTrail(&buf, n, 1); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for done := 0; done < n; {
		w := lake.NewWriter(lake.Options{Dir: dir})
		dec := &decode.Decoder{Arena: &event.Arena{}}
		var evs []*event.Event
		for len(evs) < perFile && sc.Scan() {
			v, err := dec.JSON(lt.Root, sc.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			ev := &event.Event{LogType: lt.LogType, Root: v, RowID: "r", ParseTime: time.Now().UnixNano()}
			ev.EventTime, _ = decode.EventTime(lt.LogType, &ev.Root)
			for k := range indicators.Kinds {
				ev.Indicators[k] = append([]string(nil), dec.Indicators.Values(indicators.Kinds[k])...)
			}
			dec.Indicators.Reset()
			evs = append(evs, ev)
		}
		if err := w.WriteEvents(lake.Logs, evs, nil); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		done += len(evs)
	}
}

// BenchmarkCompaction compacts 40 files of 1,000 CloudTrail events (one hour partition);
// bytes/s is the input Parquet compacted per second.
func BenchmarkCompaction(b *testing.B) {
	base := b.TempDir()
	cloudTrailLake(b, base, 40000, 1000)
	var size int64
	_ = filepath.Walk(base, func(p string, info os.FileInfo, err error) error {
		if err == nil && filepath.Ext(p) == ".parquet" {
			size += info.Size()
		}
		return nil
	})
	m := merger(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "lake")
		copyDir(b, base, dir)
		h, err := lake.NewHousekeeper(lake.HousekeepingOptions{Dir: dir, Merger: m})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := h.Run(context.Background(), time.Date(2024, 10, 16, 0, 0, 0, 0, time.UTC))
		if err != nil || rep.FilesReplaced != 40 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(40000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
