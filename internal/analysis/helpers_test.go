package analysis

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// loadFixture loads testdata/bad/<name>: a directory as it is, or a single
// file together with rule.py, which single-file fixtures name as Filename.
func loadFixture(t *testing.T, name string, opts Options) *Collection {
	t.Helper()
	p := filepath.Join("testdata", "bad", name)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.IsDir() {
		c, err := Load(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		name:      {Data: data},
		"rule.py": {Data: []byte("def rule(event):\n    return True\n")},
	}
	c, err := LoadFS(fsys, name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func problemStrings(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Error()
	}
	return out
}
