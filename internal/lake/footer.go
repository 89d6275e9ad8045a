package lake

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// maxFooterBytes bounds the footer a file may claim, so a corrupt length cannot make us
// allocate without limit.
const maxFooterBytes = 64 << 20

// fileRows returns the number of rows a Parquet file's footer declares.
func fileRows(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("lake: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("lake: %w", err)
	}
	size := st.Size()
	if size < 12 {
		return 0, fmt.Errorf("lake: %s: %d bytes is too short for a Parquet file", path, size)
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return 0, fmt.Errorf("lake: %s: reading the footer: %w", path, err)
	}
	if string(tail[4:]) != "PAR1" {
		return 0, fmt.Errorf("lake: %s: not a Parquet file (no PAR1 at the end)", path)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > maxFooterBytes || n > size-12 {
		return 0, fmt.Errorf("lake: %s: footer length %d is out of range", path, n)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-8-n); err != nil {
		return 0, fmt.Errorf("lake: %s: reading the footer: %w", path, err)
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), buf, &md); err != nil {
		return 0, fmt.Errorf("lake: %s: decoding the footer: %w", path, err)
	}
	return md.NumRows, nil
}
