package content

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// FuzzParseArchive feeds arbitrary bytes to the archive reader behind uploads (what
// panther_analysis_tool sends, base64-decoded): it must return items or an error, never
// panic, and the items it returns have their IDs and types.
func FuzzParseArchive(f *testing.F) {
	f.Add(patZip(f, uploadFiles))
	f.Add(patZip(f, map[string]string{"rules/bad.yml": "AnalysisType: rule\nRuleID: [\n"}))
	f.Add(patZip(f, map[string]string{"r.yml": "AnalysisType: rule\nRuleID: R\nFilename: ../../etc/passwd\nLogTypes: [X]\nSeverity: High\n"}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParseArchive(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for _, it := range items {
			if it.ID == "" || it.Type == "" {
				t.Fatalf("an item without an ID or a type: %+v", it)
			}
		}
	})
}

// TestArchiveThatInflatesTooMuchIsRefused: the sizes an archive declares are checked before
// anything is inflated.
func TestArchiveThatInflatesTooMuchIsRefused(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range MaxUnpackedBytes/MaxFileBytes + 1 {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("rules/%d.yml", i), Method: zip.Store, CompressedSize64: 1, UncompressedSize64: MaxFileBytes, CRC32: uint32(i)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("x"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := ParseArchive(buf.Bytes())
	if want := fmt.Sprintf("once inflated (at rules/%d.yml)", MaxUnpackedBytes/MaxFileBytes); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
	// One file declaring more than a file may have.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "rules/big.py", Method: zip.Store, CompressedSize64: 1, UncompressedSize64: MaxFileBytes + 1})
	w.Write([]byte("x"))
	zw.Close()
	if _, err := ParseArchive(buf.Bytes()); err == nil || !strings.HasPrefix(err.Error(), "rules/big.py: ") {
		t.Fatalf("err = %v", err)
	}
}
