package lake

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go/format"
)

// Quarantined is a record no log type accepted, kept with everything needed to find and
// replay it.
type Quarantined struct {
	Raw         []byte // the record (the first bytes only when Truncated)
	Size        int64  // full size in bytes
	Truncated   bool
	File        string
	Line        int64
	Offset      int64
	SourceID    string
	SourceLabel string
	Reasons     []Reason
	Time        int64 // Unix nanoseconds when it was quarantined
	RowID       string
}

// Reason is why one log type rejected the record; LogType is empty for a general reason.
type Reason struct {
	LogType string
	Error   string
}

// QuarantineColumns are the columns of panther_system.quarantine.
var QuarantineColumns = []string{"raw", "raw_base64", "raw_size", "truncated", "file", "line", "byte_offset",
	"source_id", "source_label", "reason", "reasons", "quarantine_time", "p_row_id"}

var quarantineSchema = newFileSchema(groupNode("schema", false,
	stringLeaf("raw", false),
	stringLeaf("raw_base64", true),
	leaf("raw_size", false, format.Int64, nil, nil),
	leaf("truncated", false, format.Boolean, nil, nil),
	stringLeaf("file", true),
	leaf("line", false, format.Int64, nil, nil),
	leaf("byte_offset", false, format.Int64, nil, nil),
	stringLeaf("source_id", true),
	stringLeaf("source_label", true),
	stringLeaf("reason", false),
	listNode("reasons", groupNode("element", true, stringLeaf("log_type", true), stringLeaf("error", true))),
	timeLeaf("quarantine_time", false),
	stringLeaf("p_row_id", false),
))

// Summary is the reason column: the first reason (the closest type's, the classifier puts it
// first) in full, then the names of the other types that were tried. Every reason is in the
// reasons column.
func Summary(reasons []Reason) string {
	if len(reasons) == 0 {
		return ""
	}
	var b strings.Builder
	writeReason(&b, reasons[0])
	var others []string
	for _, r := range reasons[1:] {
		if r.LogType == "" {
			b.WriteString("; ")
			b.WriteString(r.Error)
			continue
		}
		others = append(others, r.LogType)
	}
	if len(others) > 0 {
		b.WriteString("; also rejected by ")
		const shown = 5
		if len(others) > shown {
			b.WriteString(strings.Join(others[:shown], ", "))
			fmt.Fprintf(&b, " and %d more", len(others)-shown)
		} else {
			b.WriteString(strings.Join(others, ", "))
		}
	}
	return b.String()
}

func writeReason(b *strings.Builder, r Reason) {
	if r.LogType != "" {
		b.WriteString(r.LogType)
		b.WriteString(": ")
	}
	b.WriteString(r.Error)
}

// WriteQuarantine writes quarantined records, partitioned by the hour they were quarantined.
// Raw text that is not valid UTF-8 is stored with U+FFFD replacements in raw and exactly, as
// base64, in raw_base64, so nothing is lost.
func (w *Writer) WriteQuarantine(qs []Quarantined) error {
	for i := range qs {
		q := &qs[i]
		p, err := w.partition(partKey{Quarantine, "", hourOf(q.Time)}, quarantineSchema)
		if err != nil {
			return err
		}
		w.sh.cols = p.fw.cols
		quarantineRow(&w.sh, q)
		w.added(p)
	}
	return w.finish()
}

func quarantineRow(s *shredder, q *Quarantined) {
	raw := string(q.Raw)
	var b64 string
	if !utf8.ValidString(raw) || strings.IndexByte(raw, 0) >= 0 {
		b64 = base64.StdEncoding.EncodeToString(q.Raw)
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	s.str(0, raw, false)
	s.str(1, b64, true)
	s.cols[2].int64(0, 0, q.Size)
	s.cols[3].boolean(0, 0, q.Truncated)
	s.str(4, q.File, true)
	s.cols[5].int64(0, 0, q.Line)
	s.cols[6].int64(0, 0, q.Offset)
	s.str(7, q.SourceID, true)
	s.str(8, q.SourceLabel, true)
	s.str(9, Summary(q.Reasons), false)
	// reasons: list<struct<log_type, error>> at columns 10 and 11: list defined (1), entry
	// (2), struct defined (3), leaf defined (4).
	if len(q.Reasons) == 0 {
		s.cols[10].null(0, 0)
		s.cols[11].null(0, 0)
	}
	for i, r := range q.Reasons {
		rep := 0
		if i > 0 {
			rep = 1
		}
		for c, v := range [2]string{r.LogType, r.Error} {
			if v == "" {
				s.cols[10+c].null(rep, 3)
			} else {
				s.cols[10+c].str(rep, 4, v)
			}
		}
	}
	s.timestamp(12, q.Time, false)
	s.str(13, q.RowID, false)
}
