// Package classify finds the log type of each record of a file and decodes it.
//
// A Classifier serves one file: parsers keep per-file state (a VPC Flow or CSV header). It
// tries the candidate types of a record in an order and the first type that decodes the
// record wins:
//
//   - A JSON record is matched against the JSON types by its top-level keys. Types missing a
//     required key, or sharing no key with the record, are not candidates. Candidates are tried
//     by fewest record keys they do not declare, then most keys they declare, then most
//     required keys, then rank (lower first), then name. The order is computed once per set of
//     keys and cached, so its cost does not grow with the number of enabled types for records
//     whose key set was seen before. If no JSON type decodes the record, the text types are
//     tried as for text records.
//   - A text record is tried with the text types in Panther's adaptive order: each type has a
//     penalty, starting at 1; a failure adds 1, a success resets it to 0, and types are tried
//     by lowest penalty, then rank, then name. So the type that matched last is tried first.
//
// Given the same enabled types and the same records in the same order, the result is always
// the same. A record no type decodes is a Failure that lists the reason of every type tried.
package classify

import (
	"bytes"
	"hash/maphash"
	"sort"
	"strings"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/textparse"
)

// Reason is why one log type rejected a record.
type Reason struct {
	LogType string
	Err     string
}

// Failure lists why no type accepted a record.
type Failure struct {
	Reasons []Reason
}

func (f *Failure) Error() string {
	parts := make([]string, len(f.Reasons))
	for i, r := range f.Reasons {
		if r.LogType == "" {
			parts[i] = r.Err
		} else {
			parts[i] = r.LogType + ": " + r.Err
		}
	}
	return strings.Join(parts, "; ")
}

// Result is a classified record.
type Result struct {
	LogType *logtypes.LogType
	Root    event.Value
	// OK is false when the record was consumed without producing an event (a header line).
	OK bool
}

type candidate struct {
	t       *logtypes.LogType
	parser  logtypes.Parser
	penalty int
}

func (c *candidate) p() logtypes.Parser {
	if c.parser == nil {
		c.parser = c.t.NewParser()
	}
	return c.parser
}

// Classifier classifies the records of one file.
type Classifier struct {
	// Explain makes failure reasons detailed where a parser can explain more at a cost
	// (regex mismatches: how far the pattern matched). For interactive tools.
	Explain bool

	dec   *decode.Decoder
	json  []*candidate
	text  []*candidate // kept sorted by (penalty, rank, name)
	errs  []candErr    // errors of the record being classified
	order []*candidate // scratch copy of text for one record
	cache map[uint64][]*candidate
	keys  [][]byte
	seed  maphash.Seed
}

// maxCache bounds the per-file cache of candidate orders by key set.
const maxCache = 4096

// New returns a classifier over types that decodes into dec. Types must be non-empty.
func New(types []*logtypes.LogType, dec *decode.Decoder) *Classifier {
	c := &Classifier{dec: dec, cache: make(map[uint64][]*candidate), seed: seed}
	for _, t := range types {
		cand := &candidate{t: t, penalty: 1}
		if t.JSON {
			c.json = append(c.json, cand)
		} else {
			c.text = append(c.text, cand)
		}
	}
	sort.SliceStable(c.json, func(i, j int) bool { return less(c.json[i], c.json[j]) })
	sort.SliceStable(c.text, func(i, j int) bool { return less(c.text[i], c.text[j]) })
	return c
}

var seed = maphash.MakeSeed()

func less(a, b *candidate) bool {
	if a.penalty != b.penalty {
		return a.penalty < b.penalty
	}
	if a.t.Rank != b.t.Rank {
		return a.t.Rank < b.t.Rank
	}
	return a.t.Name < b.t.Name
}

// Classify decodes rec with the first type that accepts it.
func (c *Classifier) Classify(rec *input.Record) (Result, *Failure) {
	c.errs = c.errs[:0]
	// A type that consumed the record without producing an event (it took it for a header)
	// wins only if no type turns the record into an event; otherwise its parser restarts.
	var header *candidate
	try := func(cand *candidate) (Result, bool) {
		mark := c.dec.Arena.Mark()
		v, ok, err := cand.p().Parse(c.dec, rec)
		if err != nil {
			c.dec.Arena.Rollback(mark)
			c.errs = append(c.errs, candErr{cand.t.Name, err})
			return Result{}, false
		}
		if !ok {
			if header == nil {
				header = cand
			} else {
				cand.parser = nil
			}
			return Result{}, false
		}
		if header != nil {
			header.parser = nil
		}
		return Result{LogType: cand.t, Root: v, OK: true}, true
	}
	noKeys := false
	if rec.JSON && len(c.json) > 0 && len(rec.Data) > 0 && rec.Data[0] == '{' {
		cands := c.jsonCandidates(rec.Data)
		noKeys = len(cands) == 0
		for _, cand := range cands {
			if res, ok := try(cand); ok {
				return res, nil
			}
		}
	}
	if len(c.text) > 0 {
		c.order = append(c.order[:0], c.text...)
		for _, cand := range c.order {
			if res, ok := try(cand); ok {
				cand.penalty = 0
				c.resort()
				return res, nil
			}
			if header != cand {
				cand.penalty++
			}
		}
		c.resort()
	}
	if header != nil {
		header.penalty = 0
		c.resort()
		return Result{LogType: header.t}, nil
	}
	fail := &Failure{}
	if noKeys {
		fail.Reasons = append(fail.Reasons, Reason{Err: "no enabled JSON log type has the keys of this record (" + c.keyList() + ")"})
	}
	for _, e := range c.errs {
		msg := e.err.Error()
		if ex, ok := e.err.(textparse.Explainer); ok && c.Explain {
			msg = ex.Explain()
		}
		fail.Reasons = append(fail.Reasons, Reason{LogType: e.logType, Err: msg})
	}
	if len(fail.Reasons) == 0 {
		if rec.JSON {
			fail.Reasons = append(fail.Reasons, Reason{Err: "no enabled log type accepts JSON values that are not objects"})
		} else {
			fail.Reasons = append(fail.Reasons, Reason{Err: "not JSON, and no enabled log type parses text lines"})
		}
	}
	return Result{}, fail
}

type candErr struct {
	logType string
	err     error
}

// resort restores the order of the text candidates after penalties changed: an insertion
// sort, linear on the nearly sorted list.
func (c *Classifier) resort() {
	for i := 1; i < len(c.text); i++ {
		for j := i; j > 0 && less(c.text[j], c.text[j-1]); j-- {
			c.text[j], c.text[j-1] = c.text[j-1], c.text[j]
		}
	}
}

// jsonCandidates returns the JSON types to try for an object record, in order.
func (c *Classifier) jsonCandidates(data []byte) []*candidate {
	if len(c.json) == 1 {
		return c.json
	}
	c.keys = topKeys(data, c.keys[:0])
	var h uint64
	for _, k := range c.keys {
		h += maphash.Bytes(c.seed, k) // order-independent
	}
	h ^= uint64(len(c.keys)) * 0x9E3779B97F4A7C15
	if cands, ok := c.cache[h]; ok {
		return cands
	}
	type scored struct {
		cand               *candidate
		unknown, known, rq int
	}
	var list []scored
	for _, cand := range c.json {
		known := 0
		for _, k := range c.keys {
			if cand.t.Keys[string(k)] {
				known++
			}
		}
		if known == 0 {
			continue
		}
		missing := false
		for _, rk := range cand.t.RequiredKeys {
			if !hasKey(c.keys, rk) {
				missing = true
				break
			}
		}
		if missing {
			continue
		}
		list = append(list, scored{cand, len(c.keys) - known, known, len(cand.t.RequiredKeys)})
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case a.unknown != b.unknown:
			return a.unknown < b.unknown
		case a.known != b.known:
			return a.known > b.known
		case a.rq != b.rq:
			return a.rq > b.rq
		}
		return less(a.cand, b.cand)
	})
	cands := make([]*candidate, len(list))
	for i, s := range list {
		cands[i] = s.cand
	}
	if len(c.cache) >= maxCache {
		clear(c.cache)
	}
	c.cache[h] = cands
	return cands
}

func hasKey(keys [][]byte, k string) bool {
	for _, x := range keys {
		if string(x) == k {
			return true
		}
	}
	return false
}

func (c *Classifier) keyList() string {
	parts := make([]string, 0, len(c.keys))
	for i, k := range c.keys {
		if i == 10 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, string(k))
	}
	return strings.Join(parts, ", ")
}

// topKeys appends the raw top-level keys of a JSON object (already validated by framing) to
// dst. Keys with escapes are returned raw; they simply match no schema key.
func topKeys(data []byte, dst [][]byte) [][]byte {
	i := bytes.IndexByte(data, '{')
	if i < 0 {
		return dst
	}
	i++
	depth := 0
	expectKey := true
	for i < len(data) {
		ch := data[i]
		switch ch {
		case '"':
			j := i + 1
			for j < len(data) {
				if data[j] == '\\' {
					j += 2
					continue
				}
				if data[j] == '"' {
					break
				}
				j++
			}
			if j > len(data) {
				j = len(data)
			}
			if depth == 0 && expectKey {
				dst = append(dst, data[i+1:j])
				expectKey = false
			}
			i = j + 1
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return dst
			}
		case ',':
			if depth == 0 {
				expectKey = true
			}
		}
		i++
	}
	return dst
}
