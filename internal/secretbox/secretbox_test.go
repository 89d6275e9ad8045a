package secretbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testBox(t testing.TB) *Box {
	t.Helper()
	b, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := testBox(t)
	for _, pt := range []string{"", "x", "xoxb-1234-s3cr3t", strings.Repeat("long secret ", 1000), "\x00\xff binary"} {
		sealed := b.Seal([]byte(pt))
		if !strings.HasPrefix(sealed, "sb1:") || !IsSealed(sealed) {
			t.Errorf("sealed value %q has no version prefix", sealed)
		}
		if len(pt) >= 8 && strings.Contains(sealed, pt) {
			t.Errorf("sealed value contains the plaintext")
		}
		got, err := b.Open(sealed)
		if err != nil || string(got) != pt {
			t.Errorf("Open(Seal(%q)) = %q, %v", pt, got, err)
		}
	}
}

func TestNoncesDiffer(t *testing.T) {
	b := testBox(t)
	first, second := b.Seal([]byte("same")), b.Seal([]byte("same"))
	if first == second {
		t.Error("two seals of the same plaintext are equal")
	}
}

func TestTamper(t *testing.T) {
	b := testBox(t)
	sealed := b.Seal([]byte("pagerduty integration key"))
	raw, err := enc.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil {
		t.Fatal(err)
	}
	// Flip every bit of every byte in turn: each change must be caught.
	for i := range raw {
		for bit := range 8 {
			mod := bytes.Clone(raw)
			mod[i] ^= 1 << bit
			if _, err := b.Open(prefix + enc.EncodeToString(mod)); !errors.Is(err, ErrOpen) {
				t.Fatalf("byte %d bit %d flipped: err = %v, want ErrOpen", i, bit, err)
			}
		}
	}
	for name, bad := range map[string]string{
		"truncated":        prefix + enc.EncodeToString(raw[:len(raw)-1]),
		"too short":        prefix + enc.EncodeToString(raw[:20]),
		"extended":         prefix + enc.EncodeToString(append(bytes.Clone(raw), 0)),
		"empty":            prefix,
		"no prefix":        enc.EncodeToString(raw),
		"future version":   "sb2:" + enc.EncodeToString(raw),
		"bad base64":       prefix + "!!!!",
		"plaintext secret": "xoxb-plain",
	} {
		if _, err := b.Open(bad); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Errorf("opened with another key: %v", err)
	}
}

func TestErrors(t *testing.T) {
	b := testBox(t)
	for in, want := range map[string]string{
		"sb2:AAAA": `secretbox: unsupported format "sb2:", expected "sb1:"`,
		"hello":    `secretbox: not a sealed value (expected the "sb1:" prefix)`,
		"sb1:AAAA": "secretbox: message authentication failed: value is 3 bytes, shorter than nonce and tag",
		"sb1:a b":  "secretbox: invalid encoding: illegal base64 data at input byte 1",
	} {
		_, err := b.Open(in)
		if err == nil || err.Error() != want {
			t.Errorf("Open(%q) = %v, want %q", in, err, want)
		}
	}
	if _, err := New(make([]byte, 16)); err == nil || err.Error() != "secretbox: key is 16 bytes, want 32" {
		t.Errorf("New(16 bytes) = %v", err)
	}
}

func TestContext(t *testing.T) {
	b := testBox(t)
	sealed := b.SealFor([]byte("token"), []byte("dest-1/apiKey"))
	if got, err := b.OpenFor(sealed, []byte("dest-1/apiKey")); err != nil || string(got) != "token" {
		t.Fatalf("OpenFor = %q, %v", got, err)
	}
	for _, ctx := range [][]byte{[]byte("dest-2/apiKey"), []byte("dest-1/token"), nil} {
		if _, err := b.OpenFor(sealed, ctx); !errors.Is(err, ErrOpen) {
			t.Errorf("opened under context %q: %v", ctx, err)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	b1, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() != KeySize {
		t.Errorf("key file mode %v size %d", st.Mode().Perm(), st.Size())
	}
	sealed := b1.Seal([]byte("persisted"))
	b2, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b2.Open(sealed); err != nil || string(got) != "persisted" {
		t.Errorf("reopened box: %q, %v", got, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".secretbox-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestKeyFileProblems(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open.key")
	if err := os.WriteFile(open, make([]byte, KeySize), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(open); err == nil || !strings.Contains(err.Error(), "has mode 0644") {
		t.Errorf("world-readable key: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, make([]byte, 5), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(short); err == nil || !strings.Contains(err.Error(), "is 5 bytes, want 32") {
		t.Errorf("short key: %v", err)
	}
}

func TestConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFile)
	keys := make([][]byte, 8)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = LoadKey(path)
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatal("concurrent creators got different keys")
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	box := testBox(b)
	pt := []byte("xoxb-123456789012-123456789012-abcdefghijklmnopqrstuvwx")
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		_ = box.Seal(pt)
	}
}

func BenchmarkOpen(b *testing.B) {
	box := testBox(b)
	pt := []byte("xoxb-123456789012-123456789012-abcdefghijklmnopqrstuvwx")
	sealed := box.Seal(pt)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := box.Open(sealed); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	box, _ := New(bytes.Repeat([]byte{7}, KeySize))
	f.Add(box.Seal([]byte("seed")), []byte(nil))
	f.Add(box.SealFor([]byte("seed"), []byte("ctx")), []byte("ctx"))
	f.Add("sb1:", []byte(nil))
	f.Add("sb2:xx", []byte(nil))
	f.Fuzz(func(t *testing.T, sealed string, ctx []byte) {
		pt, err := box.OpenFor(sealed, ctx)
		if err != nil {
			return
		}
		// Whatever opens must seal and open back to itself.
		again, err := box.OpenFor(box.SealFor(pt, ctx), ctx)
		if err != nil || !bytes.Equal(again, pt) {
			t.Fatalf("round trip of opened value failed: %v", err)
		}
	})
}
