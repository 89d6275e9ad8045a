// Package secretbox encrypts small secrets at rest (destination
// credentials) with AES-256-GCM under a key kept in a file of the data
// directory.
//
// A sealed value is the text "sb1:" followed by the unpadded base64url
// encoding of a 12-byte random nonce and the GCM ciphertext with its tag.
// The version prefix leaves room for another format or key later. Values
// can be bound to a context (associated data, such as a record id and
// field name) so that a sealed value copied to another record does not
// open there.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key in bytes.
const KeySize = 32

// KeyFile is the name of the key file in the data directory.
const KeyFile = "secretbox.key"

// prefix marks version 1 of the sealed format.
const prefix = "sb1:"

var enc = base64.RawURLEncoding

// ErrOpen is returned (wrapped) for a value that does not open: tampered,
// truncated, sealed under another key or bound to another context.
var ErrOpen = errors.New("secretbox: message authentication failed")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
	rand io.Reader
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead, rand: rand.Reader}, nil
}

// Seal encrypts plaintext.
func (b *Box) Seal(plaintext []byte) string { return b.SealFor(plaintext, nil) }

// Open decrypts a value made by Seal.
func (b *Box) Open(sealed string) ([]byte, error) { return b.OpenFor(sealed, nil) }

// SealFor encrypts plaintext bound to context: OpenFor must be given the
// same context.
func (b *Box) SealFor(plaintext, context []byte) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := io.ReadFull(b.rand, nonce); err != nil {
		// crypto/rand does not fail on supported systems; a nonce that is
		// not random would break GCM, so refuse to go on.
		panic("secretbox: read random nonce: " + err.Error())
	}
	out := b.aead.Seal(nonce, nonce, plaintext, context)
	return prefix + enc.EncodeToString(out)
}

// OpenFor decrypts a value made by SealFor with the same context.
func (b *Box) OpenFor(sealed string, context []byte) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		if i := strings.IndexByte(sealed, ':'); i > 0 && i < 8 {
			return nil, fmt.Errorf("secretbox: unsupported format %q, expected %q", sealed[:i+1], prefix)
		}
		return nil, fmt.Errorf("secretbox: not a sealed value (expected the %q prefix)", prefix)
	}
	raw, err := enc.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("secretbox: invalid encoding: %w", err)
	}
	if len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, fmt.Errorf("%w: value is %d bytes, shorter than nonce and tag", ErrOpen, len(raw))
	}
	nonce, ct := raw[:b.aead.NonceSize()], raw[b.aead.NonceSize():]
	pt, err := b.aead.Open(nil, nonce, ct, context)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// IsSealed reports whether s looks like a sealed value (it may still fail
// to open).
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// LoadKey reads the key file at path, creating it with 32 random bytes and
// mode 0600 if it does not exist. Concurrent first calls agree on one key.
// An existing file must be exactly 32 bytes and readable by its owner only.
func LoadKey(path string) ([]byte, error) {
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	return createKey(path)
}

// OpenDir returns a Box for the key file in dataDir, creating the
// directory (0700) and the key as needed.
func OpenDir(dataDir string) (*Box, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	key, err := LoadKey(filepath.Join(dataDir, KeyFile))
	if err != nil {
		return nil, err
	}
	return New(key)
}

func readKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secretbox: key file %s has mode %#o; it must not be readable by group or others (chmod 600)", path, perm)
	}
	if st.Size() != KeySize {
		return nil, fmt.Errorf("secretbox: key file %s is %d bytes, want %d", path, st.Size(), KeySize)
	}
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(f, key); err != nil {
		return nil, fmt.Errorf("secretbox: read key file %s: %w", path, err)
	}
	return key, nil
}

// createKey writes a new key to a temporary file and links it into place,
// so that the key file appears whole or not at all, and a concurrent
// creator that lost the race reads the winner's key.
func createKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("secretbox: generate key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secretbox-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("secretbox: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secretbox: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secretbox: sync key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path)
		}
		return nil, fmt.Errorf("secretbox: install key file: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}
