package lake

import (
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/pantherlabs/panther/internal/logschema"
)

// typeNode returns the Parquet schema node of a compiled schema type. Every value is optional.
func typeNode(name string, t *logschema.Type) *node {
	switch t.Kind {
	case logschema.KindString:
		return stringLeaf(name, true)
	case logschema.KindInt:
		return leaf(name, true, format.Int32, nil, nil)
	case logschema.KindSmallInt:
		return leaf(name, true, format.Int32, &format.IntType{BitWidth: 16, IsSigned: true}, conv(deprecated.Int16))
	case logschema.KindBigInt:
		return leaf(name, true, format.Int64, nil, nil)
	case logschema.KindFloat:
		return leaf(name, true, format.Double, nil, nil)
	case logschema.KindBool:
		return leaf(name, true, format.Boolean, nil, nil)
	case logschema.KindTimestamp:
		return timeLeaf(name, true)
	case logschema.KindJSON:
		return jsonLeaf(name)
	case logschema.KindObject:
		g := groupNode(name, true)
		for _, f := range t.Fields {
			g.children = append(g.children, typeNode(f.Column, f.Type))
		}
		return g
	case logschema.KindArray:
		return listNode(name, typeNode("element", t.Elem))
	}
	panic("lake: unknown schema kind " + t.Kind.String())
}

// stringList is an optional list of optional strings (the p_any_* and p_rule_tags columns).
func stringList(name string) *node { return listNode(name, stringLeaf("element", true)) }
