package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSourcesCommands(t *testing.T) {
	data := t.TempDir()
	out := mustRun(t, "", "sources", "add", "--data-dir", data, "--type", "http", "--label", "edge", "--log-type", "aws.cloudtrail",
		"--format", "json", "--server-url", "https://panther.example.com")
	var added struct {
		ID, Label, Type, URL, Token string
		LogTypes                    []string
		Enabled                     bool
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if added.ID == "" || added.Label != "edge" || added.Type != "http" || added.URL != "https://panther.example.com/http/"+added.ID ||
		!strings.HasPrefix(added.Token, "pth_") || len(added.LogTypes) != 1 || added.LogTypes[0] != "AWS.CloudTrail" || !added.Enabled {
		t.Fatalf("added %+v", added)
	}
	out = mustRun(t, "", "sources", "add", "--data-dir", data, "--type", "syslog", "--label", "fw", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--disabled")
	if !strings.HasPrefix(out, "added source ") || !strings.Contains(out, "(fw, syslog)") {
		t.Fatalf("add syslog: %s", out)
	}
	out = mustRun(t, "", "sources", "add", "--data-dir", data, "--type", "http", "--label", "signed", "--auth", "hmac")
	if !strings.Contains(out, "hmac key: pth_") || !strings.Contains(out, "url:   http://127.0.0.1:8080/http/") {
		t.Fatalf("add hmac: %s", out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--type", "syslog", "--label", "x", "--path", "/tmp"}, 2, "--path is a flag of dir sources, not syslog"},
		{[]string{"--type", "http", "--label", "edge"}, 1, `label: a source labelled "edge" already exists`},
		{[]string{"--type", "ftp", "--label", "y"}, 1, `type: unknown source type "ftp"`},
		{[]string{"--type", "http", "--label", "z", "--log-type", "Nope.Nope"}, 1, "log types:"},
		{[]string{"--type", "syslog", "--label", "w"}, 1, "at least one listen address is required"},
		{[]string{"--label", "v"}, 2, "--type and --label are required"},
	} {
		_, errs, code := run(t, "", append([]string{"sources", "add", "--data-dir", data}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("sources add %v: exit %d %q; want %d %q", c.args, code, errs, c.code, c.msg)
		}
	}
	out = mustRun(t, "", "sources", "list", "--data-dir", data, "--format", "json")
	var list []struct {
		Label   string
		Enabled bool
		Token   string
		Status  struct{ Events int64 }
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 3 {
		t.Fatalf("list: %v %s", err, out)
	}
	for _, s := range list {
		if s.Token != "" {
			t.Error("list shows a token")
		}
	}
	out = mustRun(t, "", "sources", "list", "--data-dir", data)
	if !strings.Contains(out, "LAST ERROR") || !strings.Contains(out, "AWS.CloudTrail") {
		t.Fatalf("list table: %s", out)
	}
	mustRun(t, "", "sources", "enable", "--data-dir", data, "fw")
	mustRun(t, "", "sources", "disable", "--data-dir", data, "edge")
	out = mustRun(t, "", "sources", "show", "--data-dir", data, "EDGE")
	if !strings.Contains(out, "enabled:") || !strings.Contains(out, "false") || strings.Contains(out, added.Token) {
		t.Fatalf("show: %s", out)
	}
	out = mustRun(t, "", "sources", "rotate-token", "--data-dir", data, "--format", "json", added.ID)
	if !strings.Contains(out, `"token": "pth_`) || strings.Contains(out, added.Token) {
		t.Fatalf("rotate: %s", out)
	}
	if _, errs, code := run(t, "", "sources", "rotate-token", "--data-dir", data, "fw"); code != 1 || !strings.Contains(errs, "only http sources have a credential") {
		t.Fatalf("rotate syslog: %d %s", code, errs)
	}
	mustRun(t, "", "sources", "remove", "--data-dir", data, "fw")
	if _, errs, code := run(t, "", "sources", "show", "--data-dir", data, "fw"); code != 1 || !strings.Contains(errs, "source not found") {
		t.Fatalf("show removed: %d %s", code, errs)
	}
}
