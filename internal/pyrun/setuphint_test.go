package pyrun

import "testing"

func TestMissingModuleFix(t *testing.T) {
	for _, c := range []struct{ kind, id, module, python, want string }{
		{"rule", "AWS.X", "policyuniverse.policy", "/usr/bin/python3",
			"rule AWS.X imports policyuniverse, which is not installed in /usr/bin/python3: install it with `/usr/bin/python3 -m pip install policyuniverse` (or your distribution's package)"},
		{"policy", "P", "dateutil", "/usr/bin/python3",
			"policy P imports dateutil, which is not installed in /usr/bin/python3: install it with `/usr/bin/python3 -m pip install python-dateutil` (or `apt install python3-dateutil` on Debian and Ubuntu)"},
		{"rule", "R", "pycountry", "/opt/py/bin/python3.11",
			"rule R imports pycountry, which is not installed in /opt/py/bin/python3.11: install it with `/opt/py/bin/python3.11 -m pip install pycountry` (or your distribution's package)"},
		{"rule", "AWS.Y", "panther_aws_helpers", "/usr/bin/python3",
			"rule AWS.Y imports panther_aws_helpers, which is not a global helper of the loaded content: load the content with its global helpers (panther-analysis keeps them in global_helpers/, e.g. global_helpers/panther_aws_helpers.yml)"},
		{"rule", "R", "jsonpath_ng.ext", "/usr/bin/python3",
			"rule R imports jsonpath_ng, which is not installed in /usr/bin/python3: install it with `/usr/bin/python3 -m pip install jsonpath-ng` (or your distribution's package)"},
	} {
		if got := MissingModuleFix(c.kind, c.id, c.module, c.python); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
