// Package rowid generates p_row_id values: hex strings unique across processes, built as
// Panther builds them: a 6-byte node id (the first hardware address of the machine, random if
// there is none), a varint of the microseconds from 2020-01-01 to the generator's start, and a
// varint of a per-generator counter.
package rowid

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"net"
	"sync/atomic"
	"time"
)

var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Generator makes row ids. It is safe for concurrent use.
type Generator struct {
	prefix  []byte // node id + start varint
	counter atomic.Uint64
}

// New returns a generator started at now.
func New(now time.Time) *Generator {
	node := nodeID()
	start := uint64(now.Sub(epoch).Microseconds())
	if now.Before(epoch) {
		start = 0
	}
	prefix := append(node[:], make([]byte, binary.MaxVarintLen64)...)
	n := binary.PutUvarint(prefix[6:], start)
	// A random byte separates generators of one process started in the same microsecond.
	var r [1]byte
	_, _ = rand.Read(r[:])
	prefix = append(prefix[:6+n], r[0])
	return &Generator{prefix: prefix}
}

func nodeID() [6]byte {
	var id [6]byte
	if ifs, err := net.Interfaces(); err == nil {
		for _, ifc := range ifs {
			if len(ifc.HardwareAddr) >= 6 && ifc.Flags&net.FlagLoopback == 0 {
				copy(id[:], ifc.HardwareAddr)
				return id
			}
		}
	}
	_, _ = rand.Read(id[:])
	return id
}

// MaxLen is the longest row id in bytes.
const MaxLen = 2 * (6 + binary.MaxVarintLen64 + 1 + binary.MaxVarintLen64)

// Append appends a new row id to dst.
func (g *Generator) Append(dst []byte) []byte {
	var buf [6 + 2*binary.MaxVarintLen64 + 1]byte
	n := copy(buf[:], g.prefix)
	n += binary.PutUvarint(buf[n:], g.counter.Add(1))
	return hex.AppendEncode(dst, buf[:n])
}

// Next returns a new row id.
func (g *Generator) Next() string { return string(g.Append(nil)) }
