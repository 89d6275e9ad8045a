package api

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxDepth bounds how deep a GraphQL request may nest selections. Types refer to each other
// (an alert's comments' alert's comments...), so without it one request could ask for a tree
// of any size. The full introspection query is 12 deep.
const MaxDepth = 16

// depthLimit refuses operations nested deeper than max.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := depth(oc.Operation.SelectionSet, oc.Doc, d.max+1); n > d.max {
		err := gqlerror.Errorf("the query nests %d or more levels deep; at most %d are allowed: ask for fewer nested fields and make more requests", n, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// depth is the nesting depth of a selection set, counted up to limit.
func depth(set ast.SelectionSet, doc *ast.QueryDocument, limit int) int {
	if limit <= 0 {
		return 0
	}
	best := 0
	for _, sel := range set {
		n := 0
		switch s := sel.(type) {
		case *ast.Field:
			n = 1 + depth(s.SelectionSet, doc, limit-1)
		case *ast.InlineFragment:
			n = depth(s.SelectionSet, doc, limit)
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(s.Name); f != nil {
				n = depth(f.SelectionSet, doc, limit)
			}
		}
		best = max(best, n)
		if best >= limit {
			return best
		}
	}
	return best
}
