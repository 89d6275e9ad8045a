// Package cloudsec holds the types shared by Panther's cloud security parts: the scanner
// (internal/cloudsec/scan) produces resource snapshots as Changes, and a Sink (the compliance
// state, owned by internal/cloudsec/compliance or similar) stores them, keeps their history and
// evaluates policies on them.
package cloudsec

import (
	"context"
	"database/sql"
	"time"
)

// Snapshot is one cloud resource as Panther's scanner wrote it: the JSON object Python policies
// read as their resource. Keys follow the panther-analysis policy test Resource objects:
// ResourceId, ResourceType, Arn, AccountId, Region, Name, Tags (a map of strings), TimeCreated
// (RFC 3339), and the type's own fields (an S3 bucket's Grants, EncryptionRules, Versioning,
// PublicAccessBlockConfiguration, Policy...). Values are JSON values (string, float64 or
// json.Number, bool, nil, []any, map[string]any) so that a Snapshot marshals as policies expect.
type Snapshot map[string]any

// Standard snapshot keys.
const (
	KeyResourceID   = "ResourceId"
	KeyResourceType = "ResourceType"
	KeyARN          = "Arn"
	KeyAccountID    = "AccountId"
	KeyRegion       = "Region"
	KeyName         = "Name"
	KeyTags         = "Tags"
	KeyTimeCreated  = "TimeCreated"
)

// GlobalRegion is the Region of resources that belong to no region (IAM, S3 account settings,
// CloudFront...), as Panther's scanner wrote it.
const GlobalRegion = "global"

// Change is one resource seen (or found deleted) by a scan or a real-time rescan.
type Change struct {
	AccountID    string
	Region       string
	ResourceType string // "AWS.S3.Bucket", ...
	ResourceID   string // the ARN when the resource has one, else "<account>:<region>:<type>"
	// Deleted says the resource no longer exists in the account; Snapshot is then nil.
	Deleted   bool
	Snapshot  Snapshot
	ScannedAt time.Time
}

// Sink receives scan results. The compliance state implements it: it stores the current state
// and the history of resources and evaluates the enabled policies on what changed. Methods are
// called from several goroutines (one scan per account, regions in parallel).
type Sink interface {
	// Upsert records resources seen (or deleted, Change.Deleted) in source sourceID's account.
	Upsert(ctx context.Context, sourceID string, changes []Change) error
	// EndScan ends a complete scan of (account, region, resource type) that started at started:
	// the resources of that triple stored for sourceID that are not in seen (resource ids) and
	// were last scanned before started are marked deleted. It is called only when the listing of
	// that triple succeeded in full; a failed (type, region) keeps its resources as they were.
	EndScan(ctx context.Context, sourceID, accountID, region, resourceType string, seen []string, started time.Time) error
}

// ResourceID returns the id of a resource without an ARN (account-level settings such as the
// password policy or a region's Config recorder status): "<account>:<region>:<type>".
func ResourceID(accountID, region, resourceType string) string {
	return accountID + ":" + region + ":" + resourceType
}

// Env is what the server gives cloud account sources (the aws-scan kind): the Sink their
// results go to and the state database in which they keep their scan status.
type Env struct {
	// Sink is nil when the server has no compliance state; scans then fail with
	// ErrNoSink instead of dropping what they read.
	Sink Sink
	DB   *sql.DB
}

// ErrNoSink is the error of a scan that has nowhere to hand its results.
var ErrNoSink = errNoSink{}

type errNoSink struct{}

func (errNoSink) Error() string { return "no compliance sink configured" }
