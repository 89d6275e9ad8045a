package content

import (
	"context"
	"fmt"
	"testing"
)

// benchArchive is a PAT-style zip of n Python rules, each with its YAML spec and one test,
// plus a global helper and a pack naming every rule.
func benchArchive(b *testing.B, n int, severity string) []byte {
	files := map[string]string{
		"global_helpers/h.yml": "AnalysisType: global\nFilename: h.py\nGlobalID: h\n",
		"global_helpers/h.py":  "def is_root(event):\n    return event.get('userIdentity', {}).get('type') == 'Root'\n",
	}
	pack := "AnalysisType: pack\nPackID: Bench\nPackDefinition:\n  IDs: [h"
	for i := range n {
		id := fmt.Sprintf("Bench.Rule.%d", i)
		files[fmt.Sprintf("rules/r%d.yml", i)] = fmt.Sprintf("AnalysisType: rule\nFilename: r%d.py\nRuleID: %s\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: %s\nTags: [aws, bench]\n"+
			"Tests:\n  - Name: root\n    ExpectedResult: true\n    Log: {\"userIdentity\": {\"type\": \"Root\"}, \"eventName\": \"E%d\"}\n", i, id, severity, i)
		files[fmt.Sprintf("rules/r%d.py", i)] = fmt.Sprintf("from h import is_root\n\ndef rule(event):\n    return is_root(event) and event.get('eventName') == 'E%d'\n", i)
		pack += ", " + id
	}
	files["packs/bench.yml"] = pack + "]\n"
	return patZip(b, files)
}

// BenchmarkUpload is `panther_analysis_tool upload` of 200 rules on the server's side:
// the archive read and validated, then stored (every other upload changes every rule).
func BenchmarkUpload(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, Options{})
	archives := [][]byte{benchArchive(b, 200, "High"), benchArchive(b, 200, "Low")}
	b.SetBytes(int64(len(archives[0])))
	b.ResetTimer()
	for i := range b.N {
		items, err := ParseArchive(archives[i%2])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Upload(ctx, items, false, false, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVersion is what the runtime polls about every second.
func BenchmarkVersion(b *testing.B) {
	ctx := context.Background()
	s := uploaded(b)
	for range b.N {
		if _, err := s.Version(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is the runtime's reload after a change: 200 rules loaded as analysis does.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	s := uploaded(b)
	for range b.N {
		col, err := s.Load(ctx)
		if err != nil || len(col.Detections) != 200 {
			b.Fatalf("%v (%d detections)", err, len(col.Detections))
		}
	}
}

// uploaded is a store holding benchArchive's 200 rules, the timer reset.
func uploaded(b *testing.B) *Store {
	s := openStore(b, Options{})
	items, err := ParseArchive(benchArchive(b, 200, "High"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Upload(context.Background(), items, false, false, "bench"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	return s
}
