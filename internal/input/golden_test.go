package input

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden frames each sample in testdata/golden and compares the records
// with the .golden file next to it (refresh with go test -update).
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden") {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, rec := range mustFrame(t, data, Options{}, nil) {
				fmt.Fprintf(&b, "line %d offset %d size %d json=%v toolong=%v\n\t%q\n",
					rec.Line, rec.Offset, rec.Size, rec.JSON, rec.TooLong, rec.Data)
			}
			golden := in + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Fatalf("records of %s differ from %s:\n%s", in, golden, got)
			}
		})
	}
}
