package ingest

import (
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/lake"
)

// Batch is a group of events and quarantined records parsed from one file, backed by one
// arena. A batch is handed to the sinks in order and recycled after the last one is done
// with it; sinks must copy anything they keep.
type Batch struct {
	Arena      event.Arena
	Events     []*event.Event
	Quarantine []lake.Quarantined
	// Bytes is the size of the records of each event, by log type, for statistics.
	Bytes map[string]int64

	store []event.Event // backing storage of Events
	job   *job          // the input the batch belongs to
}

func newBatch() *Batch {
	return &Batch{Bytes: make(map[string]int64)}
}

// add returns a new zeroed event of the batch.
func (b *Batch) add() *event.Event {
	if len(b.Events) < len(b.store) {
		ev := &b.store[len(b.Events)]
		*ev = event.Event{}
		b.Events = append(b.Events, ev)
		return ev
	}
	b.store = append(b.store, event.Event{})
	// Growing store moved its elements: re-point Events.
	for i := range b.Events {
		b.Events[i] = &b.store[i]
	}
	ev := &b.store[len(b.store)-1]
	b.Events = append(b.Events, ev)
	return ev
}

func (b *Batch) reset() {
	b.Arena.Reset()
	b.Events = b.Events[:0]
	b.Quarantine = b.Quarantine[:0]
	clear(b.Bytes)
	b.job = nil
}

// Sink consumes batches. Consume must not keep references into the batch after it returns.
type Sink interface {
	Consume(b *Batch) error
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(b *Batch) error

// Consume calls f(b).
func (f SinkFunc) Consume(b *Batch) error { return f(b) }

// LakeSink writes batches to the lake.
type LakeSink struct{ W *lake.Writer }

// Consume writes the events and the quarantined records of b.
func (s LakeSink) Consume(b *Batch) error {
	if len(b.Events) > 0 {
		if err := s.W.WriteEvents(lake.Logs, b.Events, nil); err != nil {
			return err
		}
	}
	if len(b.Quarantine) > 0 {
		return s.W.WriteQuarantine(b.Quarantine)
	}
	return nil
}
