package awsscan

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/state"
)

const account = "123456789012"

func TestValidate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"account":"123456789012"}`, `{"account":"123456789012","interval":"24h0m0s"}`},
		{`{"account":"123456789012","regions":["us-east-1","eu-west-1","us-east-1"],"interval":"6h","resource_types":["AWS.S3.Bucket","AWS.S3.Bucket"],"ignore":["arn:aws:s3:::tmp-*"]}`,
			`{"account":"123456789012","regions":["us-east-1","eu-west-1"],"resource_types":["AWS.S3.Bucket"],"ignore":["arn:aws:s3:::tmp-*"],"interval":"6h0m0s"}`},
		{`{"account":"123456789012","role_arn":"arn:aws:iam::123456789012:role/PantherAuditRole","external_id":"abc-123"}`,
			`{"account":"123456789012","role_arn":"arn:aws:iam::123456789012:role/PantherAuditRole","external_id":"abc-123","interval":"24h0m0s"}`},
	} {
		got, err := Validate(json.RawMessage(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("Validate(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{}`, "account: required"},
		{`{"account":"12345"}`, `account: "12345" is not a 12-digit`},
		{`{"account":"123456789012","role_arn":"arn:aws:iam::999999999999:role/R"}`, "role_arn: the role is in account 999999999999"},
		{`{"account":"123456789012","role_arn":"role/R"}`, "role_arn: \"role/R\" is not an IAM role ARN"},
		{`{"account":"123456789012","external_id":"x1"}`, "external_id: needs role_arn"},
		{`{"account":"123456789012","regions":["mars-1"]}`, `regions[0]: "mars-1" is not an AWS region`},
		{`{"account":"123456789012","resource_types":["AWS.S3.Bukket"]}`, `resource_types: scan: unknown resource type "AWS.S3.Bukket"`},
		{`{"account":"123456789012","interval":"1m"}`, "interval: 1m0s is shorter than 5m0s"},
		{`{"account":"123456789012","interval":"daily"}`, "interval: expected a duration"},
		{`{"account":"123456789012","ignore":[""]}`, "ignore[0]: scan: empty ignore pattern"},
		{`{"account":"123456789012","endpoint":"ftp://x"}`, "endpoint: \"ftp://x\" is not an http(s) URL"},
		{`{"account":"123456789012","acount":"1"}`, `unknown setting "acount"`},
	} {
		_, err := Validate(json.RawMessage(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s) = %v; want an error with %q", c.in, err, c.want)
		}
	}
}

func TestDue(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	end := now.Add(-time.Hour)
	if got := Due(Status{}, false, time.Hour*6, now); !got.Equal(now) {
		t.Errorf("never scanned: due %v, want now", got)
	}
	if got := Due(Status{EndedAt: end}, true, 6*time.Hour, now); !got.Equal(end.Add(6 * time.Hour)) {
		t.Errorf("scanned: due %v", got)
	}
	if got := Due(Status{EndedAt: end}, true, 10*time.Minute, now); !got.Before(now) {
		t.Errorf("overdue: due %v, want before now", got)
	}
	if got := Due(Status{EndedAt: end, Error: "no credentials"}, true, 6*time.Hour, now); !got.Equal(end.Add(RetryAfterFailure)) {
		t.Errorf("failed: due %v", got)
	}
}

// sink records changes and signals each EndScan.
type sink struct {
	mu      sync.Mutex
	changes []cloudsec.Change
	ends    chan string
}

func (s *sink) Upsert(_ context.Context, _ string, cs []cloudsec.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, cs...)
	return nil
}

func (s *sink) EndScan(_ context.Context, _, _, region, typ string, _ []string, _ time.Time) error {
	s.ends <- region + "/" + typ
	return nil
}

func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", awsfake.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsfake.SecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

const passwordPolicy = `<GetAccountPasswordPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountPasswordPolicyResult><PasswordPolicy>` +
	`<AllowUsersToChangePassword>true</AllowUsersToChangePassword><RequireUppercaseCharacters>true</RequireUppercaseCharacters><RequireSymbols>true</RequireSymbols>` +
	`<ExpirePasswords>false</ExpirePasswords><PasswordReusePrevention>24</PasswordReusePrevention><RequireLowercaseCharacters>true</RequireLowercaseCharacters>` +
	`<MaxPasswordAge>90</MaxPasswordAge><HardExpiry>false</HardExpiry><RequireNumbers>true</RequireNumbers><MinimumPasswordLength>14</MinimumPasswordLength>` +
	`</PasswordPolicy></GetAccountPasswordPolicyResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetAccountPasswordPolicyResponse>`

// A new source with an assumed role scans at once: STS AssumeRole with the external id, the
// account checked, every call signed with the assumed keys; the status records the scan.
func TestRunScansOnCreationWithAssumedRole(t *testing.T) {
	isolateAWS(t)
	f := awsfake.New()
	defer f.Close()
	role := "arn:aws:iam::" + account + ":role/PantherAuditRole"
	f.Add(
		awsfake.Response{Service: "sts", Action: "AssumeRole", Match: map[string]string{"RoleArn": role, "ExternalId": "ext-7"}, Body: awsfake.AssumeRoleBody(role)},
		awsfake.Response{Service: "sts", Action: "GetCallerIdentity", Body: awsfake.CallerIdentityBody(account)},
		awsfake.Response{Service: "iam", Action: "GetAccountPasswordPolicy", Body: passwordPolicy},
	)
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	set := `{"account":"` + account + `","role_arn":"` + role + `","external_id":"ext-7","regions":["us-east-1"],"resource_types":["AWS.PasswordPolicy"],"endpoint":"` + f.URL + `"}`
	norm, err := Validate(json.RawMessage(set))
	if err != nil {
		t.Fatal(err)
	}
	k, ok := sources.Lookup(Kind)
	if !ok {
		t.Fatal("aws-scan is not registered")
	}
	sk := &sink{ends: make(chan string, 10)}
	src, err := k.New(sources.Config{ID: "src-1", Label: "prod", Type: Kind, Enabled: true, Settings: norm}, sources.Deps{Cloud: &cloudsec.Env{Sink: sk, DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var reported []string
	var rmu sync.Mutex
	go func() {
		done <- src.Run(ctx, nil, sources.ReporterFunc(func(err error) {
			rmu.Lock()
			defer rmu.Unlock()
			if err != nil {
				reported = append(reported, err.Error())
			}
		}))
	}()
	if got := <-sk.ends; got != "global/AWS.PasswordPolicy" {
		t.Fatalf("first EndScan %q", got)
	}
	// the status is written after the last EndScan: wait for it through the store
	st, _ := OpenStatus(ctx, db)
	var s Status
	for i := 0; ; i++ {
		var err error
		if s, _, err = st.Get(ctx, "src-1"); err != nil {
			t.Fatal(err)
		}
		if !s.EndedAt.IsZero() {
			break
		}
		select {
		case <-time.After(10 * time.Millisecond): // polling a store another goroutine writes
		case err := <-done:
			t.Fatalf("Run returned %v", err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.Resources != 1 || len(s.Errors) != 0 || s.Error != "" || s.AccountID != account || s.Running {
		t.Errorf("status %+v", s)
	}
	if len(sk.changes) != 1 || sk.changes[0].ResourceID != account+"::AWS.PasswordPolicy" {
		t.Fatalf("changes %+v", sk.changes)
	}
	if v := sk.changes[0].Snapshot["MinimumPasswordLength"]; v != float64(14) {
		t.Errorf("MinimumPasswordLength = %v", v)
	}
	assumed := 0
	for _, r := range f.Requests() {
		switch {
		case r.Action == "AssumeRole":
			if r.Key != awsfake.AccessKey {
				t.Errorf("AssumeRole signed with %s", r.Key)
			}
			assumed++
		case !strings.HasPrefix(r.Key, "ASIA"):
			t.Errorf("%s %s signed with %s, not the assumed role's key", r.Service, r.Action, r.Key)
		}
	}
	if assumed != 1 {
		t.Errorf("AssumeRole calls = %d", assumed)
	}
	rmu.Lock()
	defer rmu.Unlock()
	if len(reported) > 0 {
		t.Errorf("reported errors %v", reported)
	}
}

// Credentials of another account, a wrong external id and a missing sink are errors that say so.
func TestScanErrors(t *testing.T) {
	isolateAWS(t)
	f := awsfake.New()
	defer f.Close()
	role := "arn:aws:iam::" + account + ":role/PantherAuditRole"
	f.Add(
		awsfake.Response{Service: "sts", Action: "AssumeRole", Match: map[string]string{"ExternalId": "good"}, Body: awsfake.AssumeRoleBody(role)},
		awsfake.Response{Service: "sts", Action: "AssumeRole", Status: 403, Error: "AccessDenied", Message: "User is not authorized to perform: sts:AssumeRole"},
		awsfake.Response{Service: "sts", Action: "GetCallerIdentity", Body: awsfake.CallerIdentityBody("999999999999")},
	)
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	env := &cloudsec.Env{Sink: &sink{ends: make(chan string, 10)}, DB: db}
	cfg := func(extra string) sources.Config {
		raw, err := Validate(json.RawMessage(`{"account":"` + account + `","regions":["us-east-1"],"endpoint":"` + f.URL + `"` + extra + `}`))
		if err != nil {
			t.Fatal(err)
		}
		return sources.Config{ID: "s", Label: "acct", Type: Kind, Settings: raw}
	}
	if _, err := Scan(ctx, cfg(""), env, nil, nil); err == nil || !strings.Contains(err.Error(), "credentials are for account 999999999999, not 123456789012") {
		t.Errorf("other account: %v", err)
	}
	if _, err := Scan(ctx, cfg(`,"role_arn":"`+role+`","external_id":"bad"`), env, nil, nil); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("bad external id: %v", err)
	}
	st, _ := OpenStatus(ctx, db)
	s, ok, err := st.Get(ctx, "s")
	if err != nil || !ok || !strings.Contains(s.Error, "AccessDenied") || s.EndedAt.IsZero() || s.Running {
		t.Errorf("status after a failed scan: %+v %v %v", s, ok, err)
	}
	if _, err := Scan(ctx, cfg(""), &cloudsec.Env{DB: db}, nil, nil); err == nil || !strings.Contains(err.Error(), "no compliance sink configured") {
		t.Errorf("no sink: %v", err)
	}
}
