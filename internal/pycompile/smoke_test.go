package pycompile

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	src := `
import re
from collections.abc import Mapping
SENSITIVE = {"ConsoleLogin", "CreateUser"}
PAT = re.compile(r"^arn:aws:iam::\d+:root$")

def deep_get(d, *keys, default=None):
    out = d
    for k in keys:
        out = out.get(k, default) if isinstance(out, Mapping) else default
    return default if out is None else out

def rule(event):
    if event.get("eventName") not in SENSITIVE:
        return False
    return bool(PAT.match(deep_get(event, "userIdentity", "arn", default="")))

def title(event):
    return f"Root {event.get('eventName')} from {event.get('sourceIPAddress', '?')!r} n={len(event)}"

def alert_context(event):
    return {"a": [1, 2.5, None, True], "ev": event.get("userIdentity"), "s": "é"}
`
	prog, err := Compile(context.Background(), "", []Source{{Name: "r", Kind: KindDetection, Path: "r.py", Text: src}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range prog.Report() {
		t.Logf("%s.%s compiled=%v %s", r.Module, r.Name, r.Compiled, r.Why)
	}
	d := prog.Detection("r")
	x := NewEvaluator(prog)
	ev, err := x.SetJSONEvent(`{"eventName":"ConsoleLogin","userIdentity":{"arn":"arn:aws:iam::123:root","type":"Root"},"sourceIPAddress":"1.2.3.4"}`)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := x.RunRule(d.Rule, ev)
	t.Log("rule", m, ok)
	for i, f := range d.Aux {
		if f == nil {
			continue
		}
		out, ok := x.RunAux(i, f, ev)
		t.Log(AuxNames[i], out.Value, ok)
	}
}
