package content

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
)

// MaxUploadBytes bounds an uploaded archive; MaxUnpackedBytes bounds what its files add up
// to once inflated (a whole panther-analysis checkout is about 30 MB) and MaxFileBytes one
// file, so that a small archive declaring large files cannot make the reader allocate them.
const (
	MaxUploadBytes   = 256 << 20
	MaxUnpackedBytes = 512 << 20
	MaxFileBytes     = 16 << 20
)

// Stats counts the items of one category of an upload, with their IDs.
type Stats struct {
	New, Modified, Unchanged, Deleted []string
}

// Total is the number of items of the category in the upload.
func (s Stats) Total() int { return len(s.New) + len(s.Modified) + len(s.Unchanged) }

// UploadResult is what an upload did, by category (as Panther's upload answers it).
type UploadResult struct {
	Rules, Policies, Queries, DataModels, GlobalHelpers, LookupTables, CorrelationRules, ScheduledPrompts, Packs Stats
}

// category returns the statistics an item type counts in.
func (r *UploadResult) category(t analysis.AnalysisType) *Stats {
	switch t {
	case analysis.TypeRule, analysis.TypeScheduledRule:
		return &r.Rules
	case analysis.TypePolicy:
		return &r.Policies
	case analysis.TypeSavedQuery, analysis.TypeScheduledQuery:
		return &r.Queries
	case analysis.TypeDataModel:
		return &r.DataModels
	case analysis.TypeGlobal:
		return &r.GlobalHelpers
	case analysis.TypeLookupTable:
		return &r.LookupTables
	case analysis.TypeCorrelationRule:
		return &r.CorrelationRules
	case analysis.TypeScheduledPrompt:
		return &r.ScheduledPrompts
	case analysis.TypePack:
		return &r.Packs
	}
	return nil
}

// ParseArchive loads a zip archive of content as panther_analysis_tool builds it (spec files
// with the Python files they name, in any directory layout) and returns its items. Invalid
// specs make a *ValidationError naming each file of the archive and its problems.
func ParseArchive(data []byte) ([]*Item, error) {
	if len(data) > MaxUploadBytes {
		return nil, fmt.Errorf("the archive is larger than %d bytes", MaxUploadBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %v", err)
	}
	// archive/zip refuses to inflate a file past its declared size, so the declared sizes
	// bound what reading the archive can allocate.
	var unpacked uint64
	for _, f := range zr.File {
		if f.UncompressedSize64 > MaxFileBytes {
			return nil, fmt.Errorf("%s: %d bytes once inflated, more than the %d a file may have", f.Name, f.UncompressedSize64, MaxFileBytes)
		}
		if unpacked += f.UncompressedSize64; unpacked > MaxUnpackedBytes || unpacked < f.UncompressedSize64 {
			return nil, fmt.Errorf("the archive's files add up to more than %d bytes once inflated (at %s)", MaxUnpackedBytes, f.Name)
		}
	}
	col, err := analysis.LoadFS(zr, "", analysis.Options{})
	if err != nil {
		return nil, err
	}
	return ItemsFromCollection(col, zr)
}

// Upload stores the items of an archive, as Panther's bulk upload does: every spec in it is
// created or replaced, and nothing else is touched (replace deletes everything else, as
// `panther detections upload` does). With dryRun nothing is saved.
func (s *Store) Upload(ctx context.Context, items []*Item, replace, dryRun bool, actor string) (*UploadResult, error) {
	res, err := s.Apply(ctx, Change{Put: items, ReplaceAll: replace, DryRun: dryRun}, actor)
	if err != nil {
		return nil, err
	}
	types := map[string]analysis.AnalysisType{}
	for _, it := range items {
		types[it.ID] = it.Type
	}
	for _, it := range res.Snapshot.Items {
		if _, ok := types[it.ID]; !ok {
			types[it.ID] = it.Type
		}
	}
	out := &UploadResult{}
	add := func(ids []string, pick func(*Stats) *[]string) {
		for _, id := range ids {
			if c := out.category(types[id]); c != nil {
				*pick(c) = append(*pick(c), id)
			}
		}
	}
	add(res.New, func(c *Stats) *[]string { return &c.New })
	add(res.Modified, func(c *Stats) *[]string { return &c.Modified })
	add(res.Unchanged, func(c *Stats) *[]string { return &c.Unchanged })
	add(res.Deleted, func(c *Stats) *[]string { return &c.Deleted })
	return out, nil
}

// Receipt states.
const (
	StatusNotProcessed = "NOT_PROCESSED"
	StatusCompleted    = "COMPLETED"
	StatusFailed       = "FAILED"
)

// Receipt kinds.
const (
	KindUpload   = "upload"
	KindValidate = "validate"
)

// Receipt is the record of an asynchronous upload or validation.
type Receipt struct {
	ID     string
	Kind   string
	Mode   string
	Status string
	// Error is set when the job failed: a JSON object {"error": ..., "issues": [{"path",
	// "errorMessage"}]} when specs were invalid, else a message.
	Error string
	// Result is the upload's result (uploads that completed).
	Result *UploadResult
	// Issues are the problems a validation found (validations that completed).
	Issues    []UploadIssue
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UploadIssue is one problem of a spec in an archive: the file and the message.
type UploadIssue struct {
	Path         string `json:"path"`
	ErrorMessage string `json:"errorMessage"`
}

// Issues flattens a validation error into upload issues (other errors become one issue
// without a path).
func Issues(err error) []UploadIssue {
	var ve *ValidationError
	if errors.As(err, &ve) {
		out := make([]UploadIssue, 0, len(ve.Issues))
		for _, is := range ve.Issues {
			p := is.Problem
			p.File = ""
			msg := p.Error()
			if len(msg) > 2 && msg[:2] == ": " {
				msg = msg[2:]
			}
			out = append(out, UploadIssue{Path: is.File, ErrorMessage: msg})
		}
		return out
	}
	return []UploadIssue{{ErrorMessage: err.Error()}}
}

type receiptRow struct {
	Result *UploadResult `json:"result,omitempty"`
	Issues []UploadIssue `json:"issues,omitempty"`
}

func newReceiptID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// StartJob records a receipt and runs job in the background; the store's Close waits for it.
// job returns the upload result, the validation issues, or an error.
func (s *Store) StartJob(ctx context.Context, kind, mode, actor string, job func(ctx context.Context) (*UploadResult, []UploadIssue, error)) (string, error) {
	id := newReceiptID()
	now := s.opts.Now().UTC().UnixNano()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO content_uploads (receipt, kind, mode, status, actor, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, kind, mode, StatusNotProcessed, actor, s.owner, now, now); err != nil {
		return "", fmt.Errorf("content: recording the receipt: %w", err)
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		// The job outlives the request that started it; it stops only when done.
		jctx := context.WithoutCancel(ctx)
		res, issues, err := job(jctx)
		s.finishJob(jctx, id, res, issues, err)
	}()
	return id, nil
}

func (s *Store) finishJob(ctx context.Context, id string, res *UploadResult, issues []UploadIssue, err error) {
	status, errText, result := StatusCompleted, "", ""
	if err != nil {
		status = StatusFailed
		errText = jobError(err)
	} else {
		b, _ := json.Marshal(receiptRow{Result: res, Issues: issues})
		result = string(b)
	}
	_, _ = s.db.ExecContext(ctx, `UPDATE content_uploads SET status=?, error=?, result=?, updated_at=? WHERE receipt=?`,
		status, errText, result, s.opts.Now().UTC().UnixNano(), id)
}

// jobError is the error text of a failed job: JSON with the issues when specs were invalid,
// as panther_analysis_tool parses it.
func jobError(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		b, _ := json.Marshal(map[string]any{"error": "the upload has invalid specs; nothing was saved", "issues": Issues(err)})
		return string(b)
	}
	return err.Error()
}

// Receipt returns a receipt.
func (s *Store) Receipt(ctx context.Context, id string) (*Receipt, error) {
	r := &Receipt{ID: id}
	var created, updated int64
	var result, owner string
	err := s.db.QueryRowContext(ctx, `SELECT kind, mode, status, error, result, owner, created_at, updated_at FROM content_uploads WHERE receipt=?`, id).
		Scan(&r.Kind, &r.Mode, &r.Status, &r.Error, &result, &owner, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	if r.Status == StatusNotProcessed && owner != s.owner {
		// Jobs run in the process that accepted them; one left unfinished by another process
		// (a server that stopped) never finishes. The message is one panther_analysis_tool
		// retries on.
		r.Status = StatusFailed
		r.Error = "unknown error occurred: the server stopped during the upload; upload again"
	}
	if result != "" {
		var row receiptRow
		if err := json.Unmarshal([]byte(result), &row); err != nil {
			return nil, fmt.Errorf("content: receipt %s: %w", id, err)
		}
		r.Result, r.Issues = row.Result, row.Issues
	}
	return r, nil
}

// Close waits for the background jobs to finish.
func (s *Store) Close() error {
	s.jobs.Wait()
	return nil
}
