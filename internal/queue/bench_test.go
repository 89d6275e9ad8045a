package queue

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/pantherlabs/panther/internal/sources"
)

// BenchmarkPublish publishes 64 KiB payloads (about 40 CloudTrail events) from 8 senders to
// the embedded queue, as HTTP requests do.
func BenchmarkPublish(b *testing.B) {
	q := embedded(b.TempDir())(b, Options{MaxBytes: 64 << 30})
	defer q.Close()
	p := &sources.Payload{SourceID: "s", Name: "http", Data: bytes.Repeat([]byte("x"), 64<<10)}
	b.SetBytes(int64(len(p.Data)))
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := q.Publish(context.Background(), p); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRead reads back payloads of 64 KiB in order.
func BenchmarkRead(b *testing.B) {
	q := embedded(b.TempDir())(b, Options{MaxBytes: 64 << 30})
	defer q.Close()
	p := &sources.Payload{SourceID: "s", Name: "http", Data: bytes.Repeat([]byte("x"), 64<<10)}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += 4 {
				if err := q.Publish(context.Background(), p); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.SetBytes(int64(len(p.Data)))
	b.ReportAllocs()
	b.ResetTimer()
	ctx := context.Background()
	r, err := q.Read(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < b.N; i++ {
		if _, err := r.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
