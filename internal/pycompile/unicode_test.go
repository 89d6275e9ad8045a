package pycompile

import (
	"bufio"
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestUnicodeAgreesWithCPython checks, for every character of the ranges where compiled code
// maps case or decides printability, that Go gives what the interpreter gives.
func TestUnicodeAgreesWithCPython(t *testing.T) {
	var ranges []string
	for _, r := range append(append([]runeRange(nil), caseRanges...), printRanges...) {
		ranges = append(ranges, strconv.Itoa(int(r.lo))+":"+strconv.Itoa(int(r.hi)))
	}
	script := `import sys
for spec in sys.argv[1:]:
    lo, hi = map(int, spec.split(":"))
    for c in range(lo, hi + 1):
        ch = chr(c)
        print(c, ch.lower().encode("utf-8", "surrogatepass").hex(), ch.upper().encode("utf-8", "surrogatepass").hex(), int(ch.isprintable()))
`
	out, err := exec.Command("python3", append([]string{"-c", script}, ranges...)...).Output()
	if err != nil {
		t.Skipf("python3: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		c, _ := strconv.Atoi(f[0])
		r := rune(c)
		lower, _ := hexString(f[1])
		upper, _ := hexString(f[2])
		s := string(r)
		if !utf8.ValidString(s) || r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		n++
		if inRanges(r, caseRanges) {
			if got, ok := pyLower(s); ok && got != lower {
				t.Errorf("U+%04X lower: Go %q, CPython %q", r, got, lower)
			}
			if got, ok := pyUpper(s); ok && got != upper {
				t.Errorf("U+%04X upper: Go %q, CPython %q", r, got, upper)
			}
		}
		if inRanges(r, printRanges) {
			if p, ok := pyPrintable(r); ok && p != (f[3] == "1") {
				t.Errorf("U+%04X printable: Go %v, CPython %s", r, p, f[3])
			}
		}
	}
	if n < 50000 {
		t.Fatalf("only %d characters checked", n)
	}
}

func hexString(h string) (string, error) {
	b := make([]byte, len(h)/2)
	for i := range b {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return "", err
		}
		b[i] = byte(v)
	}
	return string(b), nil
}
