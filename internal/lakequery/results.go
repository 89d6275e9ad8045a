package lakequery

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A query's results are two files: <id>.jsonl, one JSON object per row, and <id>.idx, the
// little-endian uint64 offset of each row's start plus the end of the last one, so a page is
// read with two ReadAt calls whatever its position. Both are written under temporary names
// and renamed when the query succeeds.

// resultWriter spills the rows of a running query.
type resultWriter struct {
	data, idx   *os.File
	bw          *bufio.Writer
	ib          *bufio.Writer
	off         int64
	rows        int64
	maxBytes    int64
	dataP, idxP string
}

func (s *Service) newResultWriter(id string) (*resultWriter, error) {
	w := &resultWriter{maxBytes: s.opts.MaxResultBytes, dataP: s.resultPath(id), idxP: s.indexPath(id)}
	var err error
	if w.data, err = os.OpenFile(w.dataP+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err != nil {
		return nil, fmt.Errorf("lakequery: %w", err)
	}
	if w.idx, err = os.OpenFile(w.idxP+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err != nil {
		w.data.Close()
		os.Remove(w.dataP + ".tmp")
		return nil, fmt.Errorf("lakequery: %w", err)
	}
	w.bw = bufio.NewWriterSize(w.data, 256<<10)
	w.ib = bufio.NewWriterSize(w.idx, 64<<10)
	return w, nil
}

// add appends a row; it reports false when the row would take the results over their size
// cap (the row is not written).
func (w *resultWriter) add(row []byte) (bool, error) {
	if w.off+int64(len(row))+1 > w.maxBytes {
		return false, nil
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(w.off))
	if _, err := w.ib.Write(b[:]); err != nil {
		return false, err
	}
	if _, err := w.bw.Write(row); err != nil {
		return false, err
	}
	if err := w.bw.WriteByte('\n'); err != nil {
		return false, err
	}
	w.off += int64(len(row)) + 1
	w.rows++
	return true, nil
}

// commit completes the files and renames them into place; it returns their size.
func (w *resultWriter) commit() (int64, error) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(w.off))
	_, err := w.ib.Write(b[:])
	for _, e := range []error{w.bw.Flush(), w.ib.Flush(), w.data.Close(), w.idx.Close()} {
		if err == nil {
			err = e
		}
	}
	if err == nil {
		err = os.Rename(w.idxP+".tmp", w.idxP)
	}
	if err == nil {
		err = os.Rename(w.dataP+".tmp", w.dataP)
	}
	if err != nil {
		w.abort()
		return 0, fmt.Errorf("lakequery: writing results: %w", err)
	}
	return w.off + 8*(w.rows+1), nil
}

// abort drops the files.
func (w *resultWriter) abort() {
	w.data.Close()
	w.idx.Close()
	for _, p := range []string{w.dataP + ".tmp", w.idxP + ".tmp", w.dataP, w.idxP} {
		os.Remove(p)
	}
}

// Results returns a page of a succeeded query's rows. It returns ErrNoResults while the
// query runs or when it did not succeed, and ErrResultsExpired once its results were dropped.
func (s *Service) Results(ctx context.Context, id string, in ResultsInput) (*ResultPage, error) {
	q, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.Status != StatusSucceeded {
		return nil, fmt.Errorf("%w: it is %s", ErrNoResults, q.Status)
	}
	if q.ResultsExpired {
		return nil, ErrResultsExpired
	}
	size := in.PageSize
	if size <= 0 || size > 999 {
		if size > 999 {
			return nil, inputErrorf("pageSize %d is over the maximum of 999", size)
		}
		size = 999
	}
	var start int64
	if in.Cursor != "" {
		start, err = strconv.ParseInt(in.Cursor, 10, 64)
		if err != nil || start < 0 || start > q.Stats.RowCount {
			return nil, inputErrorf("invalid cursor %q: pass the endCursor of the previous page", in.Cursor)
		}
	}
	page := &ResultPage{Columns: q.Columns, Stats: q.Stats, HasPrevious: start > 0}
	if start > 0 {
		page.StartCursor = strconv.FormatInt(start, 10)
	}
	end := min(start+int64(size), q.Stats.RowCount)
	if end < q.Stats.RowCount {
		page.HasNextPage = true
		page.EndCursor = strconv.FormatInt(end, 10)
	}
	if end == start {
		page.Rows = []json.RawMessage{}
		return page, nil
	}
	rows, err := s.readRows(id, start, end)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrResultsExpired
	}
	if err != nil {
		return nil, err
	}
	page.Rows = rows
	return page, nil
}

// readRows reads rows [start, end) of a result.
func (s *Service) readRows(id string, start, end int64) ([]json.RawMessage, error) {
	idx, err := os.Open(s.indexPath(id))
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	offs := make([]byte, 8*(end-start+1))
	if _, err := idx.ReadAt(offs, 8*start); err != nil {
		return nil, fmt.Errorf("lakequery: reading the results of %s: %w", id, err)
	}
	from := int64(binary.LittleEndian.Uint64(offs))
	to := int64(binary.LittleEndian.Uint64(offs[len(offs)-8:]))
	data, err := os.Open(s.resultPath(id))
	if err != nil {
		return nil, err
	}
	defer data.Close()
	buf := make([]byte, to-from)
	if _, err := data.ReadAt(buf, from); err != nil {
		return nil, fmt.Errorf("lakequery: reading the results of %s: %w", id, err)
	}
	out := make([]json.RawMessage, 0, end-start)
	for i := int64(0); i < end-start; i++ {
		a := int64(binary.LittleEndian.Uint64(offs[8*i:])) - from
		b := int64(binary.LittleEndian.Uint64(offs[8*(i+1):])) - from
		if a < 0 || b > int64(len(buf)) || b <= a {
			return nil, fmt.Errorf("lakequery: the results of %s are damaged", id)
		}
		out = append(out, json.RawMessage(buf[a:b-1]))
	}
	return out, nil
}

// Sweep drops results older than ResultTTL, then the oldest results while all of them take
// more than ResultBytes, and deletes history older than HistoryTTL. Execute calls it; a
// server may also call it on a ticker.
func (s *Service) Sweep(ctx context.Context) error {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	now := s.opts.Now()
	var drop []string
	rows, err := s.db.QueryContext(ctx, `SELECT id, result_bytes, completed_at FROM lake_queries
WHERE results_expired = 0 AND result_bytes > 0 ORDER BY completed_at DESC, id DESC`)
	if err != nil {
		return fmt.Errorf("lakequery: sweeping results: %w", err)
	}
	var total int64
	for rows.Next() {
		var id string
		var n, completed int64
		if err := rows.Scan(&id, &n, &completed); err != nil {
			rows.Close()
			return fmt.Errorf("lakequery: sweeping results: %w", err)
		}
		total += n
		if total > s.opts.ResultBytes || now.Sub(msTime(completed)) > s.opts.ResultTTL {
			drop = append(drop, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lakequery: sweeping results: %w", err)
	}
	for _, id := range drop {
		if _, err := s.db.ExecContext(ctx, `UPDATE lake_queries SET results_expired = 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("lakequery: sweeping results: %w", err)
		}
		os.Remove(s.resultPath(id))
		os.Remove(s.indexPath(id))
	}
	var old []string
	rows, err = s.db.QueryContext(ctx, `SELECT id FROM lake_queries WHERE started_at < ? AND status <> ?`,
		now.Add(-s.opts.HistoryTTL).UnixMilli(), StatusRunning)
	if err != nil {
		return fmt.Errorf("lakequery: sweeping history: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("lakequery: sweeping history: %w", err)
		}
		old = append(old, id)
	}
	rows.Close()
	for _, id := range old {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM lake_queries WHERE id = ?`, id); err != nil {
			return fmt.Errorf("lakequery: sweeping history: %w", err)
		}
		os.Remove(s.resultPath(id))
		os.Remove(s.indexPath(id))
	}
	// Temporary files of queries that were running when a previous process stopped.
	s.mu.Lock()
	running := make(map[string]bool, len(s.running))
	for id := range s.running {
		running[id] = true
	}
	s.mu.Unlock()
	entries, _ := os.ReadDir(s.opts.ResultsDir)
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") && !running[strings.SplitN(name, ".", 2)[0]] {
			os.Remove(filepath.Join(s.opts.ResultsDir, name))
		}
	}
	return nil
}
