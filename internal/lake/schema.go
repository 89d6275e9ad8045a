package lake

import (
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/pantherlabs/panther/internal/logschema"
)

// group is a parquet group whose fields keep the order they were declared in (parquet.Group
// sorts them by name), so that columns appear in schema order.
type group struct {
	fields []parquet.Field
	opt    bool
}

var emptyGroup = parquet.Group{}

func (g *group) ID() int                     { return 0 }
func (g *group) String() string              { return emptyGroup.String() }
func (g *group) Type() parquet.Type          { return emptyGroup.Type() }
func (g *group) Optional() bool              { return g.opt }
func (g *group) Repeated() bool              { return false }
func (g *group) Required() bool              { return !g.opt }
func (g *group) Leaf() bool                  { return false }
func (g *group) Fields() []parquet.Field     { return g.fields }
func (g *group) Encoding() encoding.Encoding { return nil }
func (g *group) Compression() compress.Codec { return nil }
func (g *group) GoType() reflect.Type        { return reflect.TypeOf(map[string]any(nil)) }

type field struct {
	parquet.Node
	name string
}

func (f *field) Name() string                           { return f.name }
func (f *field) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

// builder assembles an ordered group.
type builder struct{ g *group }

func newGroup(optional bool) builder { return builder{&group{opt: optional}} }

func (b builder) add(name string, n parquet.Node) builder {
	b.g.fields = append(b.g.fields, &field{Node: n, name: name})
	return b
}

// node returns the parquet node of a compiled schema type. Every value is optional.
func node(t *logschema.Type) parquet.Node {
	switch t.Kind {
	case logschema.KindString:
		return parquet.Optional(parquet.String())
	case logschema.KindInt:
		return parquet.Optional(parquet.Int(32))
	case logschema.KindSmallInt:
		return parquet.Optional(parquet.Int(16))
	case logschema.KindBigInt:
		return parquet.Optional(parquet.Int(64))
	case logschema.KindFloat:
		return parquet.Optional(parquet.Leaf(parquet.DoubleType))
	case logschema.KindBool:
		return parquet.Optional(parquet.Leaf(parquet.BooleanType))
	case logschema.KindTimestamp:
		return parquet.Optional(parquet.Timestamp(parquet.Microsecond))
	case logschema.KindJSON:
		return parquet.Optional(parquet.JSON())
	case logschema.KindObject:
		b := newGroup(true)
		for _, f := range t.Fields {
			b.add(f.Column, node(f.Type))
		}
		return b.g
	case logschema.KindArray:
		return parquet.Optional(parquet.List(node(t.Elem)))
	}
	panic("lake: unknown schema kind " + t.Kind.String())
}

var (
	requiredString = parquet.String()
	optionalString = parquet.Optional(parquet.String())
	requiredTime   = parquet.Timestamp(parquet.Microsecond)
	optionalTime   = parquet.Optional(parquet.Timestamp(parquet.Microsecond))
	stringList     = parquet.Optional(parquet.List(parquet.Optional(parquet.String())))
)
