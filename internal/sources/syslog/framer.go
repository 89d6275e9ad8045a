package syslog

import (
	"bytes"
	"errors"
	"io"
)

// Framing is the way messages are delimited on a syslog TCP stream (RFC 6587).
type Framing uint8

const (
	// FramingUnknown is the state before the first message of a stream.
	FramingUnknown Framing = iota
	// FramingOctetCounting is "MSG-LEN SP SYSLOG-MSG" (RFC 6587 section 3.4.1).
	FramingOctetCounting
	// FramingNonTransparent is messages ended by LF (RFC 6587 section 3.4.2).
	FramingNonTransparent
)

func (f Framing) String() string {
	switch f {
	case FramingOctetCounting:
		return "octet-counting"
	case FramingNonTransparent:
		return "non-transparent"
	}
	return "unknown"
}

// maxLenDigits bounds the MSG-LEN of octet counting: 9 digits allow frames of
// up to 999,999,999 bytes, far more than any sane limit, and keep the header
// scan short.
const maxLenDigits = 9

// Message is one framed syslog message.
type Message struct {
	// Data is the message without its framing (and without a trailing
	// LF or CR LF). It is valid until the next call to Next.
	Data []byte
	// Size is the full size of the message in bytes; it is larger than
	// len(Data) only when Cut is set.
	Size int64
	// Cut reports that the message was longer than the framer's limit:
	// Data holds its first bytes, the rest was read and dropped.
	Cut bool
	// BadFrame reports that the stream used octet counting but this
	// message did not start with a valid MSG-LEN: the framer took the
	// rest of the line as the message (garbage, for the pipeline to
	// quarantine) and goes on with the next line.
	BadFrame bool
}

// Framer cuts a syslog TCP stream into messages, following RFC 6587. The
// framing method is detected once per stream, from its first byte that is not
// a line break: a digit means octet counting, anything else means messages
// ended by LF. Empty lines between messages are skipped in both methods.
//
// Memory is bounded: the buffer grows to about the message limit and no
// further; a longer message is returned cut (Message.Cut).
//
// A read error that is a timeout (net.Error with Timeout() true) is returned
// as is and leaves the framer's state intact, so Next may be called again
// once more data can arrive: a server may use read deadlines to flush its
// batches and to close idle connections. Any other read error is sticky.
// At the end of the stream, a last message without its LF is returned before
// io.EOF; an incomplete octet-counted frame is returned cut.
type Framer struct {
	src     io.Reader
	max     int
	buf     []byte
	r, w    int
	eof     bool
	err     error
	framing Framing

	// A cut message in progress: keep holds its first max bytes, size
	// is its declared size (octet counting) or counts its bytes so far
	// (LF framing), and skip is how many bytes of an
	// octet-counted frame are still to be dropped (-1 for LF framing:
	// drop up to the next LF).
	cutting  bool
	badFrame bool
	keep     []byte
	size     int64
	skip     int64
}

// initialBuffer is the framer's starting buffer size.
const initialBuffer = 4 << 10

// NewFramer returns a Framer reading src, returning messages of at most max
// bytes whole (longer ones cut). max must be positive.
func NewFramer(src io.Reader, max int) *Framer {
	if max <= 0 {
		panic("syslog: NewFramer: max must be positive")
	}
	return &Framer{src: src, max: max, buf: make([]byte, min(initialBuffer, max+maxLenDigits+2))}
}

// Framing returns the framing method detected, FramingUnknown before the
// first message.
func (f *Framer) Framing() Framing { return f.framing }

// Buffered returns how many bytes have been read but not yet returned.
func (f *Framer) Buffered() int { return f.w - f.r }

// Next returns the next message, or io.EOF at the end of the stream, or the
// source's error.
func (f *Framer) Next() (Message, error) {
	for {
		if f.cutting {
			if m, ok := f.continueCut(); ok {
				return m, nil
			}
		} else {
			f.skipLineBreaks()
			if f.r < f.w {
				if f.framing == FramingUnknown {
					if isDigit(f.buf[f.r]) {
						f.framing = FramingOctetCounting
					} else {
						f.framing = FramingNonTransparent
					}
				}
				var (
					m  Message
					ok bool
				)
				if f.framing == FramingOctetCounting {
					m, ok = f.octetFrame()
				} else {
					m, ok = f.line(false)
				}
				if ok {
					return m, nil
				}
			} else if f.eof {
				return Message{}, io.EOF
			}
		}
		if err := f.fill(); err != nil {
			return Message{}, err
		}
	}
}

// skipLineBreaks drops CR and LF bytes (and NULs, which some senders put
// between frames) at the read position.
func (f *Framer) skipLineBreaks() {
	for f.r < f.w {
		switch f.buf[f.r] {
		case '\n', '\r', 0:
			f.r++
		default:
			return
		}
	}
}

// octetFrame frames "MSG-LEN SP MSG" at f.r. It reports false when more
// data is needed.
func (f *Framer) octetFrame() (Message, bool) {
	i := f.r
	n := int64(0)
	for ; i < f.w && i-f.r < maxLenDigits && isDigit(f.buf[i]); i++ {
		n = n*10 + int64(f.buf[i]-'0')
	}
	switch {
	case i == f.w && !f.eof:
		return Message{}, false // the header goes on
	case i < f.w && f.buf[i] == ' ' && i > f.r && f.buf[f.r] != '0':
		// A valid header.
	default:
		// Not a frame header: the rest of the line is garbage.
		return f.line(true)
	}
	start := i + 1
	if n > int64(f.max) {
		have := int64(f.w - start)
		if have < int64(f.max) && !f.eof {
			f.grow(start - f.r + f.max)
			return Message{}, false
		}
		k := min(have, int64(f.max))
		f.keep = append(f.keep[:0], f.buf[start:start+int(k)]...)
		f.r = start + int(k)
		f.cutting, f.badFrame, f.size, f.skip = true, false, n, n-k
		if f.eof {
			return f.endCut(), true
		}
		m, ok := f.continueCut()
		return m, ok
	}
	end := start + int(n)
	if end > f.w {
		if f.eof {
			// A truncated last frame: return what came, cut.
			f.keep = append(f.keep[:0], f.buf[start:f.w]...)
			f.r = f.w
			f.cutting, f.badFrame, f.size, f.skip = true, false, n, 0
			return f.endCut(), true
		}
		f.grow(end - f.r)
		return Message{}, false
	}
	f.r = end
	return Message{Data: trimEOL(f.buf[start:end]), Size: n}, true
}

// line frames a message ended by LF at f.r. It reports false when more data
// is needed.
func (f *Framer) line(bad bool) (Message, bool) {
	limit := min(f.w, f.r+f.max+1)
	if i := bytes.IndexByte(f.buf[f.r:limit], '\n'); i >= 0 {
		data := f.buf[f.r : f.r+i]
		f.r += i + 1
		return Message{Data: trimEOL(data), Size: int64(len(data)), BadFrame: bad}, true
	}
	if f.w-f.r > f.max {
		f.keep = append(f.keep[:0], f.buf[f.r:f.r+f.max]...)
		f.r += f.max
		f.cutting, f.badFrame, f.size, f.skip = true, bad, int64(f.max), -1
		return f.continueCut()
	}
	if f.eof {
		data := f.buf[f.r:f.w]
		f.r = f.w
		return Message{Data: trimEOL(data), Size: int64(len(data)), BadFrame: bad}, true
	}
	if f.r == 0 && f.w == len(f.buf) {
		f.grow(min(f.max+1, 2*len(f.buf)))
	}
	return Message{}, false
}

// continueCut drops the rest of a cut message. It reports true with the
// message once it has ended.
func (f *Framer) continueCut() (Message, bool) {
	if f.skip >= 0 {
		k := min(f.skip, int64(f.w-f.r))
		f.r += int(k)
		f.skip -= k
		if f.skip == 0 || f.eof {
			return f.endCut(), true
		}
		return Message{}, false
	}
	if i := bytes.IndexByte(f.buf[f.r:f.w], '\n'); i >= 0 {
		f.size += int64(i)
		f.r += i + 1
		return f.endCut(), true
	}
	f.size += int64(f.w - f.r)
	f.r = f.w
	if f.eof {
		return f.endCut(), true
	}
	return Message{}, false
}

func (f *Framer) endCut() Message {
	f.cutting = false
	return Message{Data: f.keep, Size: f.size, Cut: true, BadFrame: f.badFrame}
}

// grow makes room for n bytes from f.r.
func (f *Framer) grow(n int) {
	if n <= len(f.buf) {
		return
	}
	nb := make([]byte, max(n, 2*len(f.buf)))
	f.w = copy(nb, f.buf[f.r:f.w])
	f.r = 0
	f.buf = nb
}

// fill reads more data. It returns the read error (io.EOF is kept in f.eof,
// and returned only when no progress is possible).
func (f *Framer) fill() error {
	if f.err != nil {
		return f.err
	}
	if f.eof {
		return io.EOF
	}
	if f.r > 0 && (f.r == f.w || len(f.buf)-f.w < initialBuffer) {
		f.w = copy(f.buf, f.buf[f.r:f.w])
		f.r = 0
	}
	if f.w == len(f.buf) {
		// The callers grow the buffer to what they need; this keeps a
		// read possible whatever the state.
		f.grow(2 * len(f.buf))
	}
	n, err := f.src.Read(f.buf[f.w:])
	f.w += n
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		f.eof = true
	case isTimeout(err):
		if n == 0 {
			return err
		}
	default:
		// Frame the complete messages that came with the error, then
		// report it; an incomplete message at that point is dropped.
		f.err = err
		if n == 0 {
			return err
		}
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// trimEOL drops one trailing LF or CR LF, and a trailing CR.
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
