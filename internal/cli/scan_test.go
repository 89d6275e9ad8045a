package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/cli"
	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

type recSink struct {
	mu      sync.Mutex
	changes []cloudsec.Change
}

func (s *recSink) Upsert(_ context.Context, _ string, cs []cloudsec.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, cs...)
	return nil
}

func (s *recSink) EndScan(context.Context, string, string, string, string, []string, time.Time) error {
	return nil
}

// `panther sources add --type aws-scan` then `panther scan ACCOUNT` against a local AWS API
// server: the resources reach the sink, the failed listing is reported per (type, region),
// and `panther scan --status` shows the last scan.
func TestScanCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", awsfake.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsfake.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	f := awsfake.New()
	defer f.Close()
	f.Add(
		awsfake.Response{Service: "sts", Action: "GetCallerIdentity", Body: awsfake.CallerIdentityBody("123456789012")},
		awsfake.Response{Service: "iam", Action: "GetAccountPasswordPolicy", Status: 404, Error: "NoSuchEntity", Message: "The Password Policy with domain name 123456789012 cannot be found."},
		awsfake.Response{Service: "kms", Action: "ListKeys", Region: "eu-west-1", Status: 400, Error: "AccessDeniedException", Message: "not authorized to perform kms:ListKeys"},
		awsfake.Response{Service: "kms", Action: "ListKeys", Body: `{"Keys":[],"Truncated":false}`},
	)
	data := filepath.Join(dir, "data")
	_, errs, code := run(t, "", "sources", "add", "--data-dir", data, "--type", "aws-scan", "--label", "prod", "--account", "12345")
	if code != 1 || !strings.Contains(errs, `account: "12345" is not a 12-digit AWS account id`) {
		t.Fatalf("bad account: %d %s", code, errs)
	}
	mustRun(t, "", "sources", "add", "--data-dir", data, "--type", "aws-scan", "--label", "prod", "--account", "123456789012",
		"--regions", "us-east-1,eu-west-1", "--resource-types", "AWS.PasswordPolicy,AWS.KMS.Key", "--interval", "6h", "--scan-endpoint", f.URL, "--disabled")
	defer cli.SetCloudSink(nil)()
	_, errs, code = run(t, "", "scan", "--data-dir", data, "123456789012")
	if code != 1 || !strings.Contains(errs, "no compliance sink configured") {
		t.Fatalf("scan without a sink: %d %s", code, errs)
	}
	sink := &recSink{}
	cli.SetCloudSink(sink)
	out, errs, code := run(t, "", "scan", "--data-dir", data, "123456789012")
	if code != 1 || !strings.Contains(out, "resources:") || !strings.Contains(out, "AWS.KMS.Key  eu-west-1  ") || !strings.Contains(out, "AccessDeniedException") {
		t.Fatalf("scan: exit %d\n%s\n%s", code, out, errs)
	}
	if len(sink.changes) != 1 || sink.changes[0].ResourceType != "AWS.PasswordPolicy" || sink.changes[0].Snapshot["AnyExist"] != false {
		t.Fatalf("changes %+v", sink.changes)
	}
	out = mustRun(t, "", "scan", "--data-dir", data, "--status", "--format", "json", "prod")
	var st []struct {
		Account string
		Status  struct {
			Resources int
			EndedAt   time.Time
			Errors    []struct{ Type, Region, Error string }
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st) != 1 {
		t.Fatalf("status: %v %s", err, out)
	}
	if s := st[0].Status; s.Resources != 1 || s.EndedAt.IsZero() || len(s.Errors) != 1 || s.Errors[0].Type != "AWS.KMS.Key" || s.Errors[0].Region != "eu-west-1" {
		t.Errorf("status %+v", st[0])
	}
	_, errs, code = run(t, "", "scan", "--data-dir", data, "999999999999")
	if code != 1 || !strings.Contains(errs, `no aws-scan source of account "999999999999"`) {
		t.Errorf("unknown account: %d %s", code, errs)
	}
}
