package pydiff

import (
	"context"
	"os"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pycompile"
)

// TestWhy logs why each function of $PANTHER_ANALYSIS does not compile, or may bail.
func TestWhy(t *testing.T) {
	if os.Getenv("PANTHER_ANALYSIS") == "" {
		t.Skip("PANTHER_ANALYSIS is not set")
	}
	col, _ := analysis.Load(os.Getenv("PANTHER_ANALYSIS"), analysis.Options{})
	var dets []*analysis.Detection
	for _, d := range col.Detections {
		if d.Type == analysis.TypeRule && d.PythonSource != "" {
			dets = append(dets, d)
		}
	}
	srcs, dms := Sources(col, dets)
	prog, err := pycompile.Compile(context.Background(), "", srcs, dms)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dets {
		cd := prog.Detection(d.ID)
		for fn, why := range cd.Partial {
			t.Logf("%s.%s: partial: %s", d.ID, fn, why)
		}
		for fn, why := range cd.Why {
			t.Logf("%s.%s: %s", d.ID, fn, why)
		}
	}
}

// TestGuards logs the rules of $PANTHER_ANALYSIS whose rule() has no guard.
func TestGuards(t *testing.T) {
	if os.Getenv("PANTHER_ANALYSIS") == "" {
		t.Skip("PANTHER_ANALYSIS is not set")
	}
	col, _ := analysis.Load(os.Getenv("PANTHER_ANALYSIS"), analysis.Options{})
	var dets []*analysis.Detection
	for _, d := range col.Detections {
		if d.Type == analysis.TypeRule && d.PythonSource != "" {
			dets = append(dets, d)
		}
	}
	srcs, dms := Sources(col, dets)
	prog, _ := pycompile.Compile(context.Background(), "", srcs, dms)
	n := 0
	for _, d := range dets {
		cd := prog.Detection(d.ID)
		g := cd.Rule.Guard()
		if len(g) == 0 {
			t.Logf("NO GUARD %s", d.PythonPath)
		} else {
			n++
		}
	}
	t.Logf("%d of %d rules have guards", n, len(dets))
}
