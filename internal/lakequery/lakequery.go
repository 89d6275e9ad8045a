// Package lakequery is the data lake query service behind the API: asynchronous SQL queries
// with their history and paged results, saved queries, the database/table/column browser and
// indicator search across every table.
//
// Its types map one to one onto Panther's GraphQL types, so the API's resolvers only convert:
// Query is DataLakeQuery (id, sql, name, status, message, startedAt, completedAt, isScheduled,
// issuedBy), ResultPage is DataLakeQueryResults (edges[].node = Rows, pageInfo, columnInfo =
// Columns as order and types, stats), QueryPage is DataLakeQueriesOutput, Database, Table
// and TableColumn are DataLakeDatabase, DataLakeDatabaseTable and DataLakeDatabaseTableColumn,
// SavedQuery is the REST API's Query (id, name, description, sql, schedule, managed, ...).
//
// Every query runs in a sandboxed sqlengine.Engine (read-only, contained: see sqlengine's
// sandbox), with a time limit and a row limit, and at most Options.MaxConcurrent at once.
// History and saved queries live in the state database; result rows are spilled to files
// under the data dir, kept for ResultTTL within a total size cap, after which a query's
// results are gone and it must be run again.
package lakequery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// Status is the state of a query: the values of Panther's DataLakeQueryStatus.
type Status string

// The statuses. A query is running from Execute until it ends in one of the others.
const (
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Kind says what a query is.
type Kind string

// The kinds of query.
const (
	KindSQL             Kind = "sql"              // SQL from executeDataLakeQuery
	KindIndicatorSearch Kind = "indicator_search" // executeIndicatorSearchQuery
)

// ActorType says who issued a query: Panther's Actor union is User | APIToken.
type ActorType string

// The actor types.
const (
	ActorUser   ActorType = "user"
	ActorToken  ActorType = "token"
	ActorSystem ActorType = "system" // the server itself, the command line
)

// Actor is who issued a query.
type Actor struct {
	Type  ActorType `json:"type"`
	ID    string    `json:"id"`              // user id or token id
	Email string    `json:"email,omitempty"` // users
	Name  string    `json:"name,omitempty"`  // the user's full name, or the token's name
}

// ActorOf returns the actor of an authenticated principal.
func ActorOf(p auth.Principal) Actor {
	switch p.Via {
	case auth.ViaToken:
		return Actor{Type: ActorToken, ID: p.TokenID, Name: p.Name}
	case auth.ViaSession:
		return Actor{Type: ActorUser, ID: p.UserID, Email: p.Email, Name: p.Name}
	}
	if p.UserID != "" {
		return Actor{Type: ActorUser, ID: p.UserID, Email: p.Email, Name: p.Name}
	}
	return Actor{Type: ActorSystem, ID: p.Via, Name: p.Name}
}

// Limits bound one query. Zero fields take the service's defaults; values above the
// service's maximums are refused.
type Limits struct {
	Timeout time.Duration `json:"timeout,omitempty"` // how long it may run
	MaxRows int64         `json:"maxRows,omitempty"` // rows kept; the results say when they stop there
}

// Column is a column of a result: its name and DuckDB type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Stats describe a finished query (Panther's DataLakeQueryStats).
type Stats struct {
	ExecutionTime time.Duration `json:"executionTime"` // Panther gives milliseconds
	BytesScanned  int64         `json:"bytesScanned"`
	RowCount      int64         `json:"rowCount"` // rows in the results
}

// Query is a data lake or indicator search query (Panther's DataLakeQuery).
type Query struct {
	ID          string
	Kind        Kind
	Name        string // the saved query it runs; "" for an ad hoc query
	SQL         string
	Database    string // where unqualified table names resolve
	Status      Status
	Message     string // what happened: "" while running normally, the error of a failed query
	IssuedBy    Actor
	IsScheduled bool
	StartedAt   time.Time
	CompletedAt time.Time // zero while running
	Limits      Limits    // as applied
	Stats       Stats     // once completed
	Columns     []Column  // once succeeded
	// Truncated: the query returned more rows than Limits.MaxRows (or the size cap of one
	// result); the results hold the first ones.
	Truncated bool
	// ResultsExpired: the results were dropped (ResultTTL or the size cap); run it again.
	ResultsExpired bool
	// Search is what an indicator search looked for; nil for SQL.
	Search *IndicatorSearch
	// TableMatches are an indicator search's hits per table, most hits first.
	TableMatches []TableMatch
}

// Done reports whether the query has ended.
func (q *Query) Done() bool { return q.Status != StatusRunning }

// ResultPage is a page of a query's rows (Panther's DataLakeQueryResults).
type ResultPage struct {
	Columns []Column
	// Rows are JSON objects, one per row, keys in column order: timestamps as RFC 3339 in
	// UTC, STRUCTs and MAPs as objects, lists as arrays.
	Rows        []json.RawMessage
	Stats       Stats
	StartCursor string // the cursor of the first row of the page; "" on the first page
	EndCursor   string // the cursor that gives the next page; "" on the last
	HasNextPage bool
	HasPrevious bool
}

// ResultsInput asks for a page of results (Panther's DataLakeQueryResultsInput).
type ResultsInput struct {
	Cursor   string // "" for the first page
	PageSize int    // default and maximum 999
}

// ExecuteRequest is a SQL query to run (Panther's ExecuteDataLakeQueryInput).
type ExecuteRequest struct {
	SQL string
	// Database is where unqualified table names resolve: one of sqlengine.Databases, also
	// Snowflake-style ("panther_logs.public"); default panther_logs.
	Database    string
	Name        string // the saved query being run, if any
	IssuedBy    Actor
	IsScheduled bool
	Limits      Limits
}

// ListInput filters and pages the history (Panther's DataLakeQueriesInput).
type ListInput struct {
	Contains      string   // in the name or the SQL, case-insensitive
	Status        []Status // any of these; empty = all
	IssuedBy      []string // actor ids; empty = all
	IsScheduled   *bool
	Kind          Kind // "" = all
	StartedAfter  time.Time
	StartedBefore time.Time
	Ascending     bool // by start time; default newest first
	Cursor        string
	PageSize      int // default 25, at most 999
}

// QueryPage is a page of the history (Panther's DataLakeQueriesOutput).
type QueryPage struct {
	Queries     []Query
	EndCursor   string // "" on the last page
	HasNextPage bool
}

// Errors the service returns; the API maps them to its error types.
var (
	ErrNotFound       = errors.New("lakequery: not found")
	ErrNotRunning     = errors.New("lakequery: the query is not running")
	ErrNoResults      = errors.New("lakequery: the query has no results")
	ErrResultsExpired = errors.New("lakequery: the results of the query expired; run it again")
	ErrExists         = errors.New("lakequery: a saved query with this name exists")
	ErrClosed         = errors.New("lakequery: the service is shut down")
)

// InputError is a request the service refuses: an empty SQL, an unknown database, a limit
// over the maximum, a bad cursor. Its message says what to change.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// Options configure a Service.
type Options struct {
	// Engine runs the queries; it must be opened with Sandbox.
	Engine *sqlengine.Engine
	// DB is the state database (history, saved queries).
	DB *sql.DB
	// ResultsDir holds the result files; default <data-dir>/query-results is the caller's
	// to choose. Required.
	ResultsDir string

	MaxConcurrent  int           // queries running at once; default 4
	DefaultTimeout time.Duration // default 5 minutes
	MaxTimeout     time.Duration // default 15 minutes
	DefaultMaxRows int64         // default 10,000
	MaxRows        int64         // default 100,000
	// MaxResultBytes caps the spilled rows of one query (the results are cut there and
	// marked truncated); default 64 MiB.
	MaxResultBytes int64
	// ResultBytes caps the result files of all queries: the oldest are dropped first;
	// default 1 GiB.
	ResultBytes int64
	ResultTTL   time.Duration // results are dropped after this; default 24 hours
	HistoryTTL  time.Duration // history entries are deleted after this; default 90 days

	Now    func() time.Time
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	if o.Engine == nil || o.DB == nil || o.ResultsDir == "" {
		return errors.New("lakequery: Engine, DB and ResultsDir are required")
	}
	if !o.Engine.Sandboxed() {
		return errors.New("lakequery: the engine must be opened with Sandbox: queries come from the API")
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 4
	}
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = 5 * time.Minute
	}
	if o.MaxTimeout <= 0 {
		o.MaxTimeout = 15 * time.Minute
	}
	if o.DefaultTimeout > o.MaxTimeout {
		return fmt.Errorf("lakequery: the default timeout %s is over the maximum %s", o.DefaultTimeout, o.MaxTimeout)
	}
	if o.DefaultMaxRows <= 0 {
		o.DefaultMaxRows = 10000
	}
	if o.MaxRows <= 0 {
		o.MaxRows = 100000
	}
	if o.DefaultMaxRows > o.MaxRows {
		return fmt.Errorf("lakequery: the default row limit %d is over the maximum %d", o.DefaultMaxRows, o.MaxRows)
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = 64 << 20
	}
	if o.ResultBytes <= 0 {
		o.ResultBytes = 1 << 30
	}
	if o.ResultTTL <= 0 {
		o.ResultTTL = 24 * time.Hour
	}
	if o.HistoryTTL <= 0 {
		o.HistoryTTL = 90 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Service runs data lake queries. It is safe for concurrent use.
type Service struct {
	opts  Options
	eng   *sqlengine.Engine
	db    *sql.DB
	slots chan struct{}

	mu      sync.Mutex
	running map[string]*run
	closed  bool
	wg      sync.WaitGroup // one per running query
	sweepMu sync.Mutex
}

// run is a query in progress.
type run struct {
	cancel   context.CancelFunc
	cancelBy *Actor // set by Cancel before it cancels
	done     chan struct{}
}

// New opens the service: it creates its tables in the state database and marks queries a
// previous process left running as failed.
func New(ctx context.Context, o Options) (*Service, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.ResultsDir, 0o700); err != nil {
		return nil, fmt.Errorf("lakequery: %w", err)
	}
	s := &Service{opts: o, eng: o.Engine, db: o.DB, slots: make(chan struct{}, o.MaxConcurrent), running: make(map[string]*run)}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	now := o.Now()
	if _, err := s.db.ExecContext(ctx, `UPDATE lake_queries SET status = ?, message = ?, completed_at = ? WHERE status = ?`,
		StatusFailed, "the server stopped while the query ran; run it again", now.UnixMilli(), StatusRunning); err != nil {
		return nil, fmt.Errorf("lakequery: %w", err)
	}
	if err := s.Sweep(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close cancels the running queries and waits for them to end.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, r := range s.running {
		r.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Service) resultPath(id string) string { return filepath.Join(s.opts.ResultsDir, id+".jsonl") }
func (s *Service) indexPath(id string) string  { return filepath.Join(s.opts.ResultsDir, id+".idx") }
