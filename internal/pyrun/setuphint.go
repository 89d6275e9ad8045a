package pyrun

import (
	"fmt"
	"path/filepath"
	"strings"
)

// distributions names the package to install for an importable module, where the two names
// differ (PyPI distribution names).
var distributions = map[string]string{
	"dateutil":    "python-dateutil",
	"yaml":        "PyYAML",
	"jsonpath_ng": "jsonpath-ng",
	"Crypto":      "pycryptodome",
	"jwt":         "PyJWT",
	"dns":         "dnspython",
	"OpenSSL":     "pyOpenSSL",
	"google":      "google-api-python-client",
	"sklearn":     "scikit-learn",
	"bs4":         "beautifulsoup4",
}

// debianPackages names the Debian and Ubuntu packages of modules panther-analysis uses, for
// the system interpreter.
var debianPackages = map[string]string{
	"dateutil":  "python3-dateutil",
	"yaml":      "python3-yaml",
	"boto3":     "python3-boto3",
	"botocore":  "python3-botocore",
	"requests":  "python3-requests",
	"pycountry": "python3-pycountry",
	"jmespath":  "python3-jmespath",
}

// kindWords names detection kinds in messages.
var kindWords = map[string]string{KindRule: "rule", KindScheduledRule: "scheduled rule", KindPolicy: "policy"}

// setupError builds the SetupError of a failed load, with the fix of a missing module.
func (p *Pool) setupError(id, kind, path string, e wireError) *SetupError {
	se := &SetupError{ID: id, Type: e.Type, Message: e.Msg, Path: path, Line: e.Line, Traceback: e.TB, Module: e.Module}
	if e.Type == "ModuleNotFoundError" && e.Module != "" {
		word := kindWords[kind]
		if word == "" {
			word = kind
		}
		se.Fix = MissingModuleFix(word, id, e.Module, p.python)
	}
	return se
}

// thirdParty lists packages panther-analysis content imports that come from PyPI.
var thirdParty = map[string]bool{
	"policyuniverse": true, "pycountry": true, "boto3": true, "botocore": true, "requests": true,
	"dateutil": true, "yaml": true, "jsonpath_ng": true, "datadog": true, "urllib3": true, "jmespath": true,
}

// MissingModuleFix says how to install a module a detection imports into the interpreter the
// workers run: "rule AWS.X imports policyuniverse, which is not installed in
// /usr/bin/python3: install it with `/usr/bin/python3 -m pip install policyuniverse` (or
// your distribution's package)". A module named like a panther-analysis global helper
// (panther_*, *_helpers) is more likely a helper left out of the content.
func MissingModuleFix(kind, id, module, python string) string {
	top, _, _ := strings.Cut(module, ".")
	if !thirdParty[top] && (strings.HasPrefix(top, "panther_") || strings.HasSuffix(top, "_helpers")) {
		return fmt.Sprintf("%s %s imports %s, which is not a global helper of the loaded content: load the content with its "+
			"global helpers (panther-analysis keeps them in global_helpers/, e.g. global_helpers/%s.yml)", kind, id, top, top)
	}
	dist := distributions[top]
	if dist == "" {
		dist = strings.ReplaceAll(top, "_", "-")
	}
	distro := "your distribution's package"
	if deb := debianPackages[top]; deb != "" && strings.HasPrefix(filepath.Clean(python), "/usr/bin/") {
		distro = fmt.Sprintf("`apt install %s` on Debian and Ubuntu", deb)
	}
	return fmt.Sprintf("%s %s imports %s, which is not installed in %s: install it with `%s -m pip install %s` (or %s)",
		kind, id, top, python, python, dist, distro)
}
