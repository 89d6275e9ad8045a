// Package classify finds the log type of each record of a file and decodes it.
//
// A Classifier serves one file: parsers keep per-file state (a VPC Flow or CSV header). It
// tries the candidate types of a record in an order and the first type that decodes the
// record wins, so that among the types that accept a record the one of the lowest rank (see
// logschema.Classify) gets it, whatever the records before it were:
//
//   - A JSON record is matched against the JSON types by its top-level keys. Types missing a
//     required key, or sharing no key with the record, are not candidates. Candidates are tried
//     by rank (lower first), then fewest record keys they do not declare, then most keys they
//     declare, then most required keys, then name. The order is computed once per set of keys
//     and cached, so its cost does not grow with the number of enabled types for records
//     whose key set was seen before. If no JSON type decodes the record, the text types are
//     tried as for text records.
//   - A text record is tried with the text types by rank, and within one rank in Panther's
//     adaptive order: each type has a penalty, starting at 1; a failure adds 1, a success
//     resets it to 0, and types of one rank are tried by lowest penalty, then name. So the
//     type that matched last is tried first among the types of its rank.
//   - A type that accepts a record only by dropping malformed values (the event gets
//     p_parse_warnings) wins only if no other type of the same tier (the same rank, and for
//     JSON the same key counts) accepts the record without warnings.
//
// Given the same enabled types, a record gets the same type whatever its position in the file,
// unless two types of the same rank and fit accept it (the confusion test of the managed types
// checks that this does not happen). A record no type decodes is a Failure that lists the
// reason of every type tried, the type that got furthest into the record first.
package classify

import (
	"bytes"
	"errors"
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
	dec   *decode.Decoder
	json  []*candidate
	text  []*candidate // kept sorted by (penalty, rank, name)
	errs  []candErr    // errors of the record being classified
	order []*candidate // scratch copy of text for one record
	cache map[uint64][]jsonCand
	// single is the candidate list when one JSON type is enabled.
	single []jsonCand
	byType map[*logtypes.LogType]*candidate
	// multiline are the enabled multi-line text types, by rank then name.
	multiline []*logtypes.LogType
	keys      [][]byte
	seed      maphash.Seed
}

// maxCache bounds the per-file cache of candidate orders by key set.
const maxCache = 4096

// New returns a classifier over types that decodes into dec. Types must be non-empty.
func New(types []*logtypes.LogType, dec *decode.Decoder) *Classifier {
	c := &Classifier{dec: dec, cache: make(map[uint64][]jsonCand), seed: seed, byType: make(map[*logtypes.LogType]*candidate, len(types))}
	for _, t := range types {
		cand := &candidate{t: t, penalty: 1}
		c.byType[t] = cand
		if t.JSON {
			c.json = append(c.json, cand)
		} else {
			c.text = append(c.text, cand)
		}
	}
	sort.SliceStable(c.json, func(i, j int) bool { return less(c.json[i], c.json[j]) })
	sort.SliceStable(c.text, func(i, j int) bool { return less(c.text[i], c.text[j]) })
	for _, cand := range c.text {
		if cand.t.Multiline != nil {
			c.multiline = append(c.multiline, cand.t)
		}
	}
	return c
}

var seed = maphash.MakeSeed()

// less orders text candidates: by rank, then penalty, then name.
func less(a, b *candidate) bool {
	if a.t.Rank != b.t.Rank {
		return a.t.Rank < b.t.Rank
	}
	if a.penalty != b.penalty {
		return a.penalty < b.penalty
	}
	return a.t.Name < b.t.Name
}

// Classify decodes rec with the first type that accepts it.
func (c *Classifier) Classify(rec *input.Record) (Result, *Failure) {
	c.errs = c.errs[:0]
	s := search{c: c, rec: rec}
	isObject := false
	if rec.JSON && len(c.json) > 0 && len(rec.Data) > 0 && rec.Data[0] == '{' {
		isObject = true
		cands := c.jsonCandidates(rec.Data)
		var tier jsonScore
		for _, jc := range cands {
			if s.warned != nil {
				if jc.score != tier {
					break
				}
				s.again = true
			}
			if res, ok := s.try(jc.cand); ok {
				if s.offer(jc.cand, res) {
					return res, nil
				}
				tier = jc.score
			}
		}
		if s.warned != nil {
			return s.settle()
		}
	}
	if len(c.text) > 0 {
		c.order = append(c.order[:0], c.text...)
		for _, cand := range c.order {
			if s.warned != nil {
				if cand.t.Rank != s.warned.t.Rank {
					break
				}
				s.again = true
			}
			if res, ok := s.try(cand); ok {
				if s.offer(cand, res) {
					cand.penalty = 0
					c.resort()
					return res, nil
				}
				continue
			}
			if s.header != cand {
				cand.penalty++
			}
		}
		if s.warned != nil {
			s.warned.penalty = 0
			c.resort()
			return s.settle()
		}
		c.resort()
	}
	if s.header != nil {
		s.header.penalty = 0
		c.resort()
		return Result{LogType: s.header.t}, nil
	}
	return Result{}, c.failure(rec, isObject)
}

// parseAs parses rec with t, one of the classifier's types, alone: a record joined from lines
// after t accepted its first line.
func (c *Classifier) parseAs(t *logtypes.LogType, rec *input.Record) (Result, *Failure) {
	s := search{c: c, rec: rec}
	c.errs = c.errs[:0]
	res, ok := s.try(c.byType[t])
	if !ok {
		if s.header != nil {
			return Result{LogType: t}, nil
		}
		return Result{}, c.failure(rec, false)
	}
	return res, nil
}

// search is the state of the classification of one record.
type search struct {
	c   *Classifier
	rec *input.Record
	// header is the first type that consumed the record without producing an event (it took
	// it for a header). It wins only if no type turns the record into an event; the parsers of
	// other such types restart.
	header *candidate
	// warned is the first type that accepted the record with warnings, and res its result.
	warned *candidate
	res    Result
	// again is set when other types were tried after warned: they reset the decoder's
	// indicators and warnings.
	again bool
}

// try parses the record with cand and reports whether cand turned it into an event.
func (s *search) try(cand *candidate) (Result, bool) {
	mark := s.c.dec.Arena.Mark()
	v, ok, err := cand.p().Parse(s.c.dec, s.rec)
	if err != nil {
		s.c.dec.Arena.Rollback(mark)
		s.c.errs = append(s.c.errs, candErr{cand, err})
		return Result{}, false
	}
	if !ok {
		if s.header == nil {
			s.header = cand
		} else {
			cand.parser = nil
		}
		return Result{}, false
	}
	if s.header != nil {
		s.header.parser = nil
		s.header = nil
	}
	return Result{LogType: cand.t, Root: v, OK: true}, true
}

// offer takes the result of a type that accepted the record and reports whether it is final:
// it is unless the decode dropped malformed values.
func (s *search) offer(cand *candidate, res Result) bool {
	if len(s.c.dec.Warnings()) == 0 {
		return true
	}
	if s.warned == nil {
		s.warned, s.res = cand, res
	}
	return false
}

// settle returns the result of the warned type, decoded again if other types were tried
// after it.
func (s *search) settle() (Result, *Failure) {
	if !s.again {
		return s.res, nil
	}
	res, ok := s.try(s.warned)
	if !ok {
		// Cannot happen: the parser accepted the same record before.
		return Result{}, &Failure{Reasons: []Reason{{LogType: s.warned.t.Name, Err: "the record decoded differently a second time"}}}
	}
	return res, nil
}

type candErr struct {
	cand *candidate
	err  error
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

// jsonCand is a JSON candidate for one key set, with its fit.
type jsonCand struct {
	cand  *candidate
	score jsonScore
}

// jsonScore is the fit of a JSON type to the keys of a record: candidates of equal scores are
// one tier.
type jsonScore struct {
	rank, unknown, known int
}

// jsonCandidates returns the JSON types to try for an object record, in order.
func (c *Classifier) jsonCandidates(data []byte) []jsonCand {
	if len(c.json) == 1 {
		// One type: nothing to order; the decoder checks the required keys.
		if c.single == nil {
			c.single = []jsonCand{{cand: c.json[0]}}
		}
		return c.single
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
	var list []jsonCand
	for _, cand := range c.json {
		known := c.known(cand.t)
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
		list = append(list, jsonCand{cand, jsonScore{cand.t.Rank, len(c.keys) - known, known}})
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case a.score.rank != b.score.rank:
			return a.score.rank < b.score.rank
		case a.score.unknown != b.score.unknown:
			return a.score.unknown < b.score.unknown
		case a.score.known != b.score.known:
			return a.score.known > b.score.known
		case len(a.cand.t.RequiredKeys) != len(b.cand.t.RequiredKeys):
			return len(a.cand.t.RequiredKeys) > len(b.cand.t.RequiredKeys)
		}
		return a.cand.t.Name < b.cand.t.Name
	})
	if len(c.cache) >= maxCache {
		clear(c.cache)
	}
	c.cache[h] = list
	return list
}

// known counts the keys in c.keys that t declares.
func (c *Classifier) known(t *logtypes.LogType) int {
	n := 0
	for _, k := range c.keys {
		if t.Keys[string(k)] || t.FoldKeys && t.Keys[strings.ToLower(string(k))] {
			n++
		}
	}
	return n
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

// failure builds the Failure of a record no type accepted: the reason of every type tried, the
// type that got furthest into the record first (see progress), ties in the order the types
// were tried. For a JSON object, JSON types come before text types; when no JSON type had the
// record's required keys, the one that declares most of its keys is named with the first
// required key the record lacks.
func (c *Classifier) failure(rec *input.Record, isObject bool) *Failure {
	fail := &Failure{}
	type scored struct {
		r    Reason
		json bool
		got  int
	}
	list := make([]scored, 0, len(c.errs)+1)
	triedJSON := false
	for _, e := range c.errs {
		got, msg := progress(e.err, len(rec.Data))
		list = append(list, scored{Reason{LogType: e.cand.t.Name, Err: msg}, e.cand.t.JSON, got})
		triedJSON = triedJSON || e.cand.t.JSON
	}
	if isObject && !triedJSON {
		if t, missing := c.nearMiss(); t != nil {
			list = append(list, scored{Reason{LogType: t.Name, Err: "field " + missing + ": required field is missing"}, true, 0})
		} else {
			fail.Reasons = append(fail.Reasons, Reason{Err: "no enabled JSON log type has the keys of this record (" + c.keyList() + ")"})
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].json != list[j].json {
			return list[i].json
		}
		return list[i].got > list[j].got
	})
	// JSON types' reasons, then the general one, then text types'.
	general := fail.Reasons
	fail.Reasons = make([]Reason, 0, len(list)+len(general))
	for _, sc := range list {
		if sc.json {
			fail.Reasons = append(fail.Reasons, sc.r)
		}
	}
	fail.Reasons = append(fail.Reasons, general...)
	for _, sc := range list {
		if !sc.json {
			fail.Reasons = append(fail.Reasons, sc.r)
		}
	}
	if rec.Note != "" {
		// The framing reader knew the record's format and said what was wrong with it.
		fail.Reasons = append([]Reason{{Err: rec.Note}}, fail.Reasons...)
	}
	if len(fail.Reasons) == 0 {
		if rec.JSON {
			fail.Reasons = append(fail.Reasons, Reason{Err: "no enabled log type accepts JSON values that are not objects"})
		} else {
			fail.Reasons = append(fail.Reasons, Reason{Err: "not JSON, and no enabled log type parses text lines"})
		}
	}
	return fail
}

// nearMiss returns, among the JSON types that share keys with the record whose keys are in
// c.keys, the one that declares most of them (then by rank and name), and the first of its
// required keys the record lacks; nil if no type shares a key.
func (c *Classifier) nearMiss() (*logtypes.LogType, string) {
	var (
		best      *candidate
		bestKnown int
	)
	for _, cand := range c.json {
		known := c.known(cand.t)
		if known == 0 {
			continue
		}
		if best == nil || known > bestKnown || known == bestKnown && (cand.t.Rank < best.t.Rank || cand.t.Rank == best.t.Rank && cand.t.Name < best.t.Name) {
			best, bestKnown = cand, known
		}
	}
	if best == nil {
		return nil, ""
	}
	for _, rk := range best.t.RequiredKeys {
		if !hasKey(c.keys, rk) {
			return best.t, rk
		}
	}
	return best.t, "?"
}

// progress says how far into a record of n bytes the parser of a type got before it failed
// with err, and the message to report: the byte offset where it stopped, or n when it read the
// whole record and then a value or a required field failed (a decoding error without
// position). A regex mismatch is explained in detail to find its offset. An error that tells
// no position counts as 0.
func progress(err error, n int) (int, string) {
	var de *decode.Error
	if errors.As(err, &de) {
		if de.Offset >= 0 {
			return min(de.Offset, n), err.Error()
		}
		return n, err.Error()
	}
	var nm *textparse.NoMatchError
	if errors.As(err, &nm) {
		best := 0
		for _, pe := range nm.Errs {
			if d := pe.Detailed(); d.Offset > best {
				best = d.Offset
			}
		}
		return best, err.Error()
	}
	var pe *textparse.ParseError
	if errors.As(err, &pe) {
		d := pe.Detailed()
		msg := err.Error()
		if d != pe {
			msg = d.Error()
		}
		return max(d.Offset, 0), msg
	}
	var pr interface{ Progress() int }
	if errors.As(err, &pr) {
		return min(max(pr.Progress(), 0), n), err.Error()
	}
	return 0, err.Error()
}
