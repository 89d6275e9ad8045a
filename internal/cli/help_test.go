package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestHelpEverywhere walks the whole command tree: every command and subcommand answers -h
// and --help with exit 0, its usage, its flags and examples; every flag an example uses is
// one the command defines.
func TestHelpEverywhere(t *testing.T) {
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := Main(args, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
		return out.String() + errb.String(), code
	}
	flagRE := regexp.MustCompile(`(?:^|\s)--?([a-z][a-z0-9-]*)`)
	check := func(c command, leaf bool, path ...string) {
		t.Helper()
		name := strings.Join(path, " ")
		if len(c.examples) == 0 {
			t.Errorf("panther %s: no examples in the command table", name)
		}
		for _, h := range []string{"-h", "--help"} {
			out, code := run(append(path, h)...)
			want := "Usage: panther " + name
			if code != ExitOK || !strings.Contains(out, want) {
				t.Errorf("panther %s %s: exit %d, output %q; want exit 0 and %q", name, h, code, out, want)
			}
			if leaf && !strings.Contains(out, "\nFlags:\n") {
				t.Errorf("panther %s %s: no Flags section in %q", name, h, out)
			}
			if !strings.Contains(out, "\nExamples:\n") {
				t.Errorf("panther %s %s: no Examples section in %q", name, h, out)
			}
			for _, e := range c.examples {
				if !strings.Contains(out, "  "+e+"\n") {
					t.Errorf("panther %s %s: example %q not shown", name, h, e)
				}
				if !strings.HasPrefix(e, "panther "+name) && !(len(path) == 1 && c.subs != nil && strings.HasPrefix(e, "panther "+c.name+" ")) {
					t.Errorf("panther %s: example %q is not of this command", name, e)
				}
				if !leaf {
					continue
				}
				for _, m := range flagRE.FindAllStringSubmatch(strings.SplitN(e, " < ", 2)[0], -1) {
					if !strings.Contains(out, "\n  -"+m[1]+" ") && !strings.Contains(out, "\n  -"+m[1]+"\n") {
						t.Errorf("panther %s: example %q uses --%s, which the command does not define", name, e, m[1])
					}
				}
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
		check(c, c.subs == nil, c.name)
		n++
		for _, s := range c.subs {
			check(s, true, c.name, s.name)
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
