package input

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression names the compression of a stream.
type Compression string

// The compressions Decompress recognizes.
const (
	CompressionNone  Compression = "none"
	CompressionGzip  Compression = "gzip"
	CompressionZstd  Compression = "zstd"
	CompressionBzip2 Compression = "bzip2"
)

// ZstdMaxWindow is the largest zstd window Decompress accepts (128 MiB, what
// `zstd --ultra -22` and `--long=27` use). A frame that asks for more is
// rejected as corrupt rather than allowed to take the memory.
const ZstdMaxWindow = 128 << 20

// sniffBytes is how many bytes Decompress looks at.
const sniffBytes = 10

// DecompressError reports corrupt or truncated compressed data, or a
// failure of the source under a decompressor.
type DecompressError struct {
	Compression Compression
	// Offset is the number of decompressed bytes delivered before the error.
	Offset int64
	// Truncated is set when the compressed data ended too early.
	Truncated bool
	// Source is set when the error came from the underlying reader rather
	// than from the compressed data.
	Source bool
	Err    error
}

// Error says what failed, where, and why, as in
// "gzip: truncated data after 123456 decompressed bytes: unexpected EOF".
func (e *DecompressError) Error() string {
	what := "corrupt data"
	switch {
	case e.Source:
		what = "read error"
	case e.Truncated:
		what = "truncated data"
	}
	return fmt.Sprintf("%s: %s after %d decompressed bytes: %v", e.Compression, what, e.Offset, e.Err)
}

// Unwrap returns the decoder's (or the source's) error.
func (e *DecompressError) Unwrap() error { return e.Err }

// Decompress sniffs the magic bytes at the start of r and returns a reader of
// the decompressed stream and the compression found. gzip may have several
// members and zstd several frames; their contents are concatenated. Data of
// any other kind is returned as is, with CompressionNone. Errors of the
// compressed data (and errors of r under a decompressor) are returned as
// *DecompressError. Close releases the decoder; it does not close r.
func Decompress(r io.Reader) (io.ReadCloser, Compression, error) {
	src := &sourceReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF {
		return nil, CompressionNone, err
	}
	c := sniff(head)
	switch c {
	case CompressionGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, c, wrapError(c, 0, src, err)
		}
		return &decompressReader{r: zr, c: c, src: src, close: zr.Close}, c, nil
	case CompressionZstd:
		zr, err := zstd.NewReader(br,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(ZstdMaxWindow),
			zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, c, wrapError(c, 0, src, err)
		}
		return &decompressReader{r: zr, c: c, src: src, close: func() error { zr.Close(); return nil }}, c, nil
	case CompressionBzip2:
		return &decompressReader{r: bzip2.NewReader(br), c: c, src: src}, c, nil
	}
	return io.NopCloser(br), CompressionNone, nil
}

// sniff names the compression whose magic bytes start head.
func sniff(head []byte) Compression {
	switch {
	case len(head) >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8:
		// gzip: ID1, ID2, CM=deflate (RFC 1952).
		return CompressionGzip
	case len(head) >= 4 && bytes.Equal(head[:4], []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return CompressionZstd
	case len(head) >= 4 && head[0]&0xf0 == 0x50 && bytes.Equal(head[1:4], []byte{0x2a, 0x4d, 0x18}):
		// A zstd skippable frame (magic 0x184D2A5?), as written before the
		// data by some tools (for instance seekable zstd).
		return CompressionZstd
	case len(head) >= 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' &&
		(bytes.Equal(head[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || // block magic (pi)
			bytes.Equal(head[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90})): // end of stream (sqrt pi)
		return CompressionBzip2
	}
	return CompressionNone
}

// sourceReader remembers the error of the underlying reader, so that a
// decompressor's error can be told apart from a failing source.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// decompressReader counts decompressed bytes and turns decoder errors into
// *DecompressError.
type decompressReader struct {
	r     io.Reader
	c     Compression
	src   *sourceReader
	n     int64
	err   error
	close func() error
}

func (d *decompressReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	d.n += int64(n)
	if err != nil && err != io.EOF {
		err = wrapError(d.c, d.n, d.src, err)
		d.err = err
	}
	return n, err
}

func (d *decompressReader) Close() error {
	if d.close == nil {
		return nil
	}
	err := d.close()
	d.close = nil
	return err
}

// wrapError classifies err, which ended a compressed stream after n
// decompressed bytes.
func wrapError(c Compression, n int64, src *sourceReader, err error) error {
	e := &DecompressError{Compression: c, Offset: n, Err: err}
	switch {
	case src.err != nil && errors.Is(err, src.err):
		e.Source = true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Truncated = true
	}
	return e
}
