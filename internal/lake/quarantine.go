package lake

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
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

var quarantineSchema = func() *parquet.Schema {
	reason := newGroup(true).
		add("log_type", optionalString).
		add("error", optionalString)
	b := newGroup(false).
		add("raw", requiredString).
		add("raw_base64", optionalString).
		add("raw_size", parquet.Int(64)).
		add("truncated", parquet.Leaf(parquet.BooleanType)).
		add("file", optionalString).
		add("line", parquet.Int(64)).
		add("byte_offset", parquet.Int(64)).
		add("source_id", optionalString).
		add("source_label", optionalString).
		add("reason", requiredString).
		add("reasons", parquet.Optional(parquet.List(reason.g))).
		add("quarantine_time", requiredTime).
		add("p_row_id", requiredString)
	return parquet.NewSchema("quarantine", b.g)
}()

// Summary joins the reasons into one line.
func Summary(reasons []Reason) string {
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		if r.LogType == "" {
			parts[i] = r.Error
		} else {
			parts[i] = r.LogType + ": " + r.Error
		}
	}
	return strings.Join(parts, "; ")
}

// WriteQuarantine writes quarantined records, partitioned by the hour they were quarantined.
// Raw text that is not valid UTF-8 is stored with U+FFFD replacements in raw and exactly, as
// base64, in raw_base64, so nothing is lost.
func (w *Writer) WriteQuarantine(qs []Quarantined) error {
	for i := range qs {
		q := &qs[i]
		key := partKey{Quarantine, "", hourOf(q.Time)}
		err := w.addRow(key, quarantineSchema, func(row parquet.Row) parquet.Row {
			return w.quarantineRow(row, q)
		})
		if err != nil {
			return err
		}
	}
	return w.finish()
}

func (w *Writer) quarantineRow(row parquet.Row, q *Quarantined) parquet.Row {
	s := &w.sh
	s.reset(len(QuarantineColumns) + 1) // reasons spans two leaf columns
	raw := string(q.Raw)
	var b64 string
	if !utf8.ValidString(raw) || strings.IndexByte(raw, 0) >= 0 {
		b64 = base64.StdEncoding.EncodeToString(q.Raw)
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	s.str(0, raw, false)
	s.str(1, b64, true)
	s.put(2, parquet.Int64Value(q.Size).Level(0, 0, 2))
	s.put(3, parquet.BooleanValue(q.Truncated).Level(0, 0, 3))
	s.str(4, q.File, true)
	s.put(5, parquet.Int64Value(q.Line).Level(0, 0, 5))
	s.put(6, parquet.Int64Value(q.Offset).Level(0, 0, 6))
	s.str(7, q.SourceID, true)
	s.str(8, q.SourceLabel, true)
	s.str(9, Summary(q.Reasons), false)
	// reasons: list<struct<log_type, error>> at columns 10 and 11.
	if len(q.Reasons) == 0 {
		s.put(10, parquet.NullValue().Level(0, 0, 10))
		s.put(11, parquet.NullValue().Level(0, 0, 11))
	}
	for i, r := range q.Reasons {
		rep := 0
		if i > 0 {
			rep = 1
		}
		// list defined (1), entry (2), struct defined (3), leaf defined (4).
		for c, v := range [2]string{r.LogType, r.Error} {
			col := 10 + c
			if v == "" {
				s.put(col, parquet.NullValue().Level(rep, 3, col))
			} else {
				s.put(col, parquet.ByteArrayValue([]byte(v)).Level(rep, 4, col))
			}
		}
	}
	s.timestamp(12, q.Time, false)
	s.str(13, q.RowID, false)
	return s.row(row)
}
