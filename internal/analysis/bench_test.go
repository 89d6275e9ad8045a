package analysis

import (
	"os"
	"testing"
)

func BenchmarkLoadCorpus(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load("testdata/valid", Options{})
		if err != nil || len(c.Invalid) != 0 {
			b.Fatal(err, c.Problems())
		}
	}
}

func BenchmarkParseRuleYAML(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/rules/aws_cloudtrail_rules/aws_console_root_login.yml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseYAML(data); err != nil {
			b.Fatal(err)
		}
	}
}
