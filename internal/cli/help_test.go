package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpEverywhere walks the whole command tree: every command and subcommand answers -h
// and --help with its usage and exit 0.
func TestHelpEverywhere(t *testing.T) {
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := Main(args, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
		return out.String() + errb.String(), code
	}
	check := func(path ...string) {
		t.Helper()
		for _, h := range []string{"-h", "--help"} {
			out, code := run(append(path, h)...)
			want := "Usage: panther " + strings.Join(path, " ")
			if code != ExitOK || !strings.Contains(out, want) {
				t.Errorf("panther %s %s: exit %d, output %q; want exit 0 and %q", strings.Join(path, " "), h, code, out, want)
			}
		}
	}
	for _, h := range []string{"-h", "--help", "help"} {
		if out, code := run(h); code != ExitOK || !strings.Contains(out, "Commands:") {
			t.Errorf("panther %s: %d %q", h, code, out)
		}
	}
	n := 0
	for _, c := range commands() {
		check(c.name)
		n++
		for _, s := range c.subs {
			check(c.name, s.name)
			n++
		}
		if c.subs != nil {
			if out, code := run(c.name); code != ExitUsage || !strings.Contains(out, "Subcommands:") {
				t.Errorf("panther %s without a subcommand: %d %q", c.name, code, out)
			}
			if out, code := run(c.name, "frobnicate"); code != ExitUsage || !strings.Contains(out, `unknown subcommand "frobnicate"`) {
				t.Errorf("panther %s frobnicate: %d %q", c.name, code, out)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d commands walked", n)
	}
}
