package lake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// This file is a Parquet file writer specialised for the lake: values arrive already shredded
// (repetition and definition level per value) straight from the event tree, and are written
// PLAIN-encoded in version 1 data pages with RLE levels, compressed with zstd, one column
// chunk per column and row group, with min/max statistics for numbers and timestamps. The
// file format structures and their Thrift encoding come from parquet-go's format and thrift
// packages; the levels' RLE/bit-packing hybrid from its rle package.

// node is a node of a Parquet schema.
type node struct {
	name     string
	rep      format.FieldRepetitionType
	children []*node // groups
	// Leaves.
	phys    format.Type
	logical format.LogicalTypeValue
	conv    *deprecated.ConvertedType
	// Groups: their logical annotation (LIST, MAP).
	glogical format.LogicalTypeValue
	gconv    *deprecated.ConvertedType
}

func conv(c deprecated.ConvertedType) *deprecated.ConvertedType { return &c }

func leaf(name string, optional bool, phys format.Type, logical format.LogicalTypeValue, c *deprecated.ConvertedType) *node {
	r := format.Required
	if optional {
		r = format.Optional
	}
	return &node{name: name, rep: r, phys: phys, logical: logical, conv: c}
}

func stringLeaf(name string, optional bool) *node {
	return leaf(name, optional, format.ByteArray, &format.StringType{}, conv(deprecated.UTF8))
}

func jsonLeaf(name string) *node {
	return leaf(name, true, format.ByteArray, &format.JsonType{}, conv(deprecated.Json))
}

func timeLeaf(name string, optional bool) *node {
	return leaf(name, optional, format.Int64,
		&format.TimestampType{IsAdjustedToUTC: true, Unit: format.TimeUnit{Value: &format.MicroSeconds{}}}, conv(deprecated.TimestampMicros))
}

func groupNode(name string, optional bool, children ...*node) *node {
	r := format.Required
	if optional {
		r = format.Optional
	}
	return &node{name: name, rep: r, children: children}
}

// listNode is the three-level LIST: optional group (LIST) { repeated group list { element } }.
func listNode(name string, elem *node) *node {
	elem.name = "element"
	inner := &node{name: "list", rep: format.Repeated, children: []*node{elem}}
	return &node{name: name, rep: format.Optional, children: []*node{inner}, glogical: &format.ListType{}, gconv: conv(deprecated.List)}
}

// mapNode is optional group (MAP) { repeated group key_value { required key; value } }.
func mapNode(name string, key, value *node) *node {
	key.name, value.name = "key", "value"
	kv := &node{name: "key_value", rep: format.Repeated, children: []*node{key, value}}
	return &node{name: name, rep: format.Optional, children: []*node{kv}, glogical: &format.MapType{}, gconv: conv(deprecated.Map)}
}

// fileSchema is a flattened schema: its elements in depth-first order and its leaf columns.
type fileSchema struct {
	elements []format.SchemaElement
	columns  []colSpec
}

type colSpec struct {
	path           []string
	phys           format.Type
	maxRep, maxDef int
}

func newFileSchema(root *node) *fileSchema {
	s := &fileSchema{}
	s.elements = append(s.elements, format.SchemaElement{Name: "schema", NumChildren: thrift.New(int32(len(root.children)))})
	for _, c := range root.children {
		s.flatten(c, nil, 0, 0)
	}
	return s
}

func (s *fileSchema) flatten(n *node, path []string, rep, def int) {
	path = append(append([]string(nil), path...), n.name)
	switch n.rep {
	case format.Optional:
		def++
	case format.Repeated:
		rep++
		def++
	}
	e := format.SchemaElement{Name: n.name, RepetitionType: thrift.New(n.rep)}
	if n.children != nil {
		e.NumChildren = thrift.New(int32(len(n.children)))
		if n.glogical != nil {
			e.LogicalType = format.LogicalType{Value: n.glogical}
		}
		if n.gconv != nil {
			e.ConvertedType = thrift.New(*n.gconv)
		}
		s.elements = append(s.elements, e)
		for _, c := range n.children {
			s.flatten(c, path, rep, def)
		}
		return
	}
	e.Type = thrift.New(n.phys)
	if n.logical != nil {
		e.LogicalType = format.LogicalType{Value: n.logical}
	}
	if n.conv != nil {
		e.ConvertedType = thrift.New(*n.conv)
	}
	s.elements = append(s.elements, e)
	s.columns = append(s.columns, colSpec{path: path, phys: n.phys, maxRep: rep, maxDef: def})
}

// column accumulates the values of one leaf column: the current page, and the compressed
// pages of the current row group.
type column struct {
	spec     *colSpec
	rep, def []byte // levels of the current page, one byte each
	vals     []byte // PLAIN values of the current page (booleans: one byte each)
	nvals    int    // levels in the current page
	nnulls   int    // nulls in the current page

	chunk             blocks // page headers and compressed pages of the row group
	chunkValues       int64
	chunkUncompressed int64
	nullCount         int64
	hasStats          bool
	minI, maxI        int64
	minF, maxF        float64
}

func (c *column) levels(rep, def int) {
	if c.spec.maxRep > 0 {
		c.rep = append(c.rep, byte(rep))
	}
	if c.spec.maxDef > 0 {
		c.def = append(c.def, byte(def))
	}
	c.nvals++
}

func (c *column) null(rep, def int) {
	c.levels(rep, def)
	c.nnulls++
}

func (c *column) str(rep, def int, s string) {
	c.levels(rep, def)
	c.vals = binary.LittleEndian.AppendUint32(c.vals, uint32(len(s)))
	c.vals = append(c.vals, s...)
}

func (c *column) int32(rep, def int, v int32) {
	c.levels(rep, def)
	c.vals = binary.LittleEndian.AppendUint32(c.vals, uint32(v))
	c.stat(int64(v))
}

func (c *column) int64(rep, def int, v int64) {
	c.levels(rep, def)
	c.vals = binary.LittleEndian.AppendUint64(c.vals, uint64(v))
	c.stat(v)
}

func (c *column) stat(v int64) {
	if !c.hasStats {
		c.minI, c.maxI, c.hasStats = v, v, true
		return
	}
	c.minI = min(c.minI, v)
	c.maxI = max(c.maxI, v)
}

func (c *column) double(rep, def int, v float64) {
	c.levels(rep, def)
	c.vals = binary.LittleEndian.AppendUint64(c.vals, math.Float64bits(v))
	if math.IsNaN(v) {
		return
	}
	if !c.hasStats {
		c.minF, c.maxF, c.hasStats = v, v, true
		return
	}
	c.minF = min(c.minF, v)
	c.maxF = max(c.maxF, v)
}

func (c *column) boolean(rep, def int, v bool) {
	c.levels(rep, def)
	b := byte(0)
	if v {
		b = 1
	}
	c.vals = append(c.vals, b)
}

func (c *column) pageBytes() int { return len(c.vals) + len(c.rep) + len(c.def) }

func (c *column) buffered() int { return c.pageBytes() + c.chunk.size }

// memory is what the column's buffers hold, used or not.
func (c *column) memory() int { return cap(c.vals) + cap(c.rep) + cap(c.def) + c.chunk.memory() }

// blockSize is the size of the blocks that hold compressed column chunks.
const blockSize = 64 << 10

// blocks is a byte buffer made of fixed-size blocks, so that appending never copies what is
// already there (a column chunk grows page by page until its row group is written).
type blocks struct {
	list [][]byte
	size int
}

func (b *blocks) append(pw *pageWriter, data []byte) {
	for len(data) > 0 {
		if n := len(b.list); n == 0 || len(b.list[n-1]) == cap(b.list[n-1]) {
			blk := pw.buf()
			if cap(blk) < blockSize {
				blk = make([]byte, 0, blockSize)
			}
			b.list = append(b.list, blk[:0:blockSize])
		}
		last := &b.list[len(b.list)-1]
		n := min(len(data), cap(*last)-len(*last))
		*last = append(*last, data[:n]...)
		data = data[n:]
		b.size += n
	}
}

func (b *blocks) memory() int { return len(b.list) * blockSize }

// writeTo writes the blocks to w.
func (b *blocks) writeTo(w io.Writer) error {
	for _, blk := range b.list {
		if _, err := w.Write(blk); err != nil {
			return err
		}
	}
	return nil
}

// reset gives the blocks back to the pool.
func (b *blocks) reset(pw *pageWriter) {
	for _, blk := range b.list {
		pw.put(blk)
	}
	clear(b.list)
	b.list, b.size = b.list[:0], 0
}

// pageWriter holds the scratch buffers and the compressor shared by the columns of a writer,
// and the column buffers of closed files for reuse (growing a new file's buffers from zero
// would copy each column's data several times).
type pageWriter struct {
	free      [][]byte
	freeBytes int
	enc       *zstd.Encoder
	page      []byte
	levels    []byte
	packed    []byte
	comp      []byte
	headerP   thrift.CompactProtocol
}

// maxFreeBytes bounds the memory kept in the pool of free buffers.
const maxFreeBytes = 32 << 20

// buf returns a reusable buffer (empty, with some capacity) or nil.
func (pw *pageWriter) buf() []byte {
	if n := len(pw.free); n > 0 {
		b := pw.free[n-1]
		pw.free = pw.free[:n-1]
		pw.freeBytes -= cap(b)
		return b[:0]
	}
	return nil
}

// put keeps b for reuse if the pool has room; otherwise the garbage collector takes it.
func (pw *pageWriter) put(b []byte) {
	if cap(b) >= 4096 && pw.freeBytes+cap(b) <= maxFreeBytes {
		pw.free = append(pw.free, b)
		pw.freeBytes += cap(b)
	}
}

// release gives the buffers of columns whose data was written back to the pool.
func (pw *pageWriter) release(cols []column) {
	for i := range cols {
		c := &cols[i]
		for _, b := range [][]byte{c.rep, c.def, c.vals} {
			pw.put(b)
		}
		c.chunk.reset(pw)
		c.rep, c.def, c.vals = nil, nil, nil
	}
}

func newPageWriter() *pageWriter {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err) // only for invalid options
	}
	return &pageWriter{enc: enc}
}

// flushPage ends the current page of c: levels RLE-encoded, values PLAIN, zstd-compressed,
// appended to the column chunk behind its page header.
func (pw *pageWriter) flushPage(c *column) error {
	if c.nvals == 0 {
		return nil
	}
	page := pw.page[:0]
	for _, lv := range []struct {
		levels []byte
		max    int
	}{{c.rep, c.spec.maxRep}, {c.def, c.spec.maxDef}} {
		if lv.max == 0 {
			continue
		}
		enc := rle.Encoding{BitWidth: bits.Len(uint(lv.max))}
		var err error
		if pw.levels, err = enc.EncodeLevels(pw.levels[:0], lv.levels); err != nil {
			return err
		}
		page = binary.LittleEndian.AppendUint32(page, uint32(len(pw.levels)))
		page = append(page, pw.levels...)
	}
	if c.spec.phys == format.Boolean {
		pw.packed = packBools(pw.packed[:0], c.vals)
		page = append(page, pw.packed...)
	} else {
		page = append(page, c.vals...)
	}
	pw.page = page
	pw.comp = pw.enc.EncodeAll(page, pw.comp[:0])
	h := format.PageHeader{
		Type:                 format.DataPage,
		UncompressedPageSize: int32(len(page)),
		CompressedPageSize:   int32(len(pw.comp)),
		DataPageHeader: thrift.New(format.DataPageHeader{
			NumValues:               int32(c.nvals),
			Encoding:                format.Plain,
			DefinitionLevelEncoding: format.RLE,
			RepetitionLevelEncoding: format.RLE,
			Statistics:              format.Statistics{NullCount: int64(c.nnulls)},
		}),
	}
	hb, err := thrift.Marshal(&pw.headerP, &h)
	if err != nil {
		return err
	}
	c.chunk.append(pw, hb)
	c.chunk.append(pw, pw.comp)
	c.chunkUncompressed += int64(len(hb) + len(page))
	c.chunkValues += int64(c.nvals)
	c.nullCount += int64(c.nnulls)
	c.rep, c.def, c.vals = c.rep[:0], c.def[:0], c.vals[:0]
	c.nvals, c.nnulls = 0, 0
	return nil
}

// packBools bit-packs booleans, least significant bit first (PLAIN encoding of BOOLEAN).
func packBools(dst, vals []byte) []byte {
	for i := 0; i < len(vals); i += 8 {
		var b byte
		for j := 0; j < 8 && i+j < len(vals); j++ {
			b |= vals[i+j] << j
		}
		dst = append(dst, b)
	}
	return dst
}

// fileWriter writes one Parquet file.
type fileWriter struct {
	w         *countingWriter
	schema    *fileSchema
	cols      []column
	pw        *pageWriter
	rowGroups []format.RowGroup
	numRows   int64
	groupRows int64
	closed    bool
}

// pageSize is the uncompressed size at which a column's page is ended (at a row boundary).
const pageSize = 128 << 10

func newFileWriter(w *countingWriter, s *fileSchema, pw *pageWriter) (*fileWriter, error) {
	fw := &fileWriter{w: w, schema: s, pw: pw, cols: make([]column, len(s.columns))}
	for i := range fw.cols {
		c := &fw.cols[i]
		c.spec = &s.columns[i]
		c.vals = pw.buf()
		if c.spec.maxRep > 0 {
			c.rep = pw.buf()
		}
		if c.spec.maxDef > 0 {
			c.def = pw.buf()
		}
	}
	if _, err := w.Write([]byte("PAR1")); err != nil {
		return nil, err
	}
	return fw, nil
}

// endRows is called after whole rows were added: it ends the pages that are full.
func (fw *fileWriter) endRows(n int) error {
	fw.groupRows += int64(n)
	fw.numRows += int64(n)
	for i := range fw.cols {
		if fw.cols[i].pageBytes() >= pageSize {
			if err := fw.pw.flushPage(&fw.cols[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// memory returns the bytes the writer's buffers hold.
func (fw *fileWriter) memory() int64 {
	var n int64
	for i := range fw.cols {
		n += int64(fw.cols[i].memory())
	}
	return n
}

// shrink writes the buffered rows as a row group and gives the buffers back, to free memory.
func (fw *fileWriter) shrink() error {
	if err := fw.flushRowGroup(); err != nil {
		return err
	}
	fw.pw.release(fw.cols)
	return nil
}

// buffered returns the bytes of data held in memory for the current row group.
func (fw *fileWriter) buffered() int64 {
	var n int64
	for i := range fw.cols {
		n += int64(fw.cols[i].buffered())
	}
	return n
}

// size returns the file size if it were closed now, roughly.
func (fw *fileWriter) size() int64 { return fw.w.n + fw.buffered() }

// flushRowGroup writes the buffered rows as a row group.
func (fw *fileWriter) flushRowGroup() error {
	if fw.groupRows == 0 {
		return nil
	}
	rg := format.RowGroup{NumRows: fw.groupRows, FileOffset: fw.w.n}
	for i := range fw.cols {
		c := &fw.cols[i]
		if err := fw.pw.flushPage(c); err != nil {
			return err
		}
		offset := fw.w.n
		if err := c.chunk.writeTo(fw.w); err != nil {
			return err
		}
		md := format.ColumnMetaData{
			Type:                  c.spec.phys,
			Encoding:              thrift.Slice[format.Encoding]{format.Plain, format.RLE},
			PathInSchema:          thrift.Slice[string](c.spec.path),
			Codec:                 format.Zstd,
			NumValues:             c.chunkValues,
			TotalUncompressedSize: c.chunkUncompressed,
			TotalCompressedSize:   int64(c.chunk.size),
			DataPageOffset:        offset,
			Statistics:            c.statistics(),
		}
		rg.Columns = append(rg.Columns, format.ColumnChunk{FileOffset: offset, MetaData: md})
		rg.TotalByteSize += c.chunkUncompressed
		rg.TotalCompressedSize += int64(c.chunk.size)
		c.chunk.reset(fw.pw)
		c.chunkValues, c.chunkUncompressed, c.nullCount, c.hasStats = 0, 0, 0, false
	}
	fw.rowGroups = append(fw.rowGroups, rg)
	fw.groupRows = 0
	return nil
}

func (c *column) statistics() format.Statistics {
	st := format.Statistics{NullCount: c.nullCount}
	if !c.hasStats {
		return st
	}
	switch c.spec.phys {
	case format.Int32:
		st.MinValue = binary.LittleEndian.AppendUint32(nil, uint32(c.minI))
		st.MaxValue = binary.LittleEndian.AppendUint32(nil, uint32(c.maxI))
	case format.Int64:
		st.MinValue = binary.LittleEndian.AppendUint64(nil, uint64(c.minI))
		st.MaxValue = binary.LittleEndian.AppendUint64(nil, uint64(c.maxI))
	case format.Double:
		st.MinValue = binary.LittleEndian.AppendUint64(nil, math.Float64bits(c.minF))
		st.MaxValue = binary.LittleEndian.AppendUint64(nil, math.Float64bits(c.maxF))
	default:
		return st
	}
	// Signed order: the deprecated fields mean the same for these types.
	st.Min, st.Max = st.MinValue, st.MaxValue
	return st
}

// close writes the last row group and the footer.
func (fw *fileWriter) close() error {
	if fw.closed {
		return errors.New("lake: parquet writer closed twice")
	}
	fw.closed = true
	if err := fw.flushRowGroup(); err != nil {
		return err
	}
	orders := make(thrift.Slice[format.ColumnOrder], len(fw.cols))
	for i := range orders {
		orders[i] = format.ColumnOrder{Value: &format.TypeDefinedOrder{}}
	}
	md := format.FileMetaData{
		Version:      1,
		Schema:       thrift.Slice[format.SchemaElement](fw.schema.elements),
		NumRows:      fw.numRows,
		RowGroups:    thrift.Slice[format.RowGroup](fw.rowGroups),
		CreatedBy:    "panther (lake writer)",
		ColumnOrders: orders,
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return fmt.Errorf("lake: encoding the parquet footer: %w", err)
	}
	footer = binary.LittleEndian.AppendUint32(footer, uint32(len(footer)))
	footer = append(footer, "PAR1"...)
	_, err = fw.w.Write(footer)
	fw.pw.release(fw.cols)
	fw.cols = nil
	return err
}

var _ io.Writer = (*countingWriter)(nil)
