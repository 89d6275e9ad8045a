package pycompile

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestIPv4AgreesWithCPython checks the IPv4 parser against ipaddress.IPv4Address.
func TestIPv4AgreesWithCPython(t *testing.T) {
	cases := []string{"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "",
		" 1.2.3.4", "1.2.3.4 ", "1..2.3", "1.2.3.04", "1.2.3.0", "١.2.3.4", "1.2.3.+4", "1.2.3.-4", "1.2.3.4/32",
		"1.2.3.4\n", "0x1.2.3.4", "1e2.1.1.1", "999.1.1.1", "1.2.3.1234", "ec2.amazonaws.com", "AWS Internal",
		"10.0.0.01", "000.0.0.0", "0.0.0.00", "192.168.1.1", "1.2.3.4%eth0"}
	script := `import sys, json, ipaddress
out = []
for s in json.load(sys.stdin):
    try:
        ipaddress.IPv4Address(s)
        out.append(True)
    except ValueError:
        out.append(False)
print(json.dumps(out))`
	in, _ := json.Marshal(cases)
	cmd := exec.Command("python3", "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("python3: %v", err)
	}
	var want []bool
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if got := validIPv4(c) && !strings.Contains(c, "/"); got != want[i] {
			t.Errorf("%q: Go %v, CPython %v", c, got, want[i])
		}
	}
}
