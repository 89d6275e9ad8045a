package access

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/auth"
)

// Directive is the schema directive naming a field's permission.
const Directive = "access"

// Table is the permission of every GraphQL field that declares one, read from the schema's
// @access directives.
type Table struct {
	byDef map[*ast.FieldDefinition]auth.Permission
	// ops lists the root operations ("Query.alerts", "Mutation.createDetection") with their
	// permissions.
	ops map[string]auth.Permission
}

// Operation is a root field of the schema with the permission it needs.
type Operation struct {
	// Type is "Query" or "Mutation".
	Type string
	Name string
	// Permission is what the caller's role must have (Any: any signed-in caller).
	Permission auth.Permission
	// Def is the field's definition.
	Def *ast.FieldDefinition
}

// NewTable reads the @access directives of a schema. Every field of Query and Mutation must
// have one naming a known permission; so must every field that has one anywhere else.
func NewTable(s *ast.Schema) (*Table, error) {
	t := &Table{byDef: map[*ast.FieldDefinition]auth.Permission{}, ops: map[string]auth.Permission{}}
	var problems []string
	for _, def := range s.Types {
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			root := def == s.Query || def == s.Mutation
			d := f.Directives.ForName(Directive)
			if d == nil {
				if root {
					problems = append(problems, fmt.Sprintf("%s.%s has no @%s directive", def.Name, f.Name, Directive))
				}
				continue
			}
			arg := d.Arguments.ForName("permission")
			if arg == nil || arg.Value == nil {
				problems = append(problems, fmt.Sprintf("%s.%s: @%s without a permission", def.Name, f.Name, Directive))
				continue
			}
			perm := auth.Permission(arg.Value.Raw)
			if !Known(perm) {
				problems = append(problems, fmt.Sprintf("%s.%s: @%s names unknown permission %q", def.Name, f.Name, Directive, perm))
				continue
			}
			t.byDef[f] = perm
			if root {
				t.ops[def.Name+"."+f.Name] = perm
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("access: the schema's permissions are incomplete:\n  %s", strings.Join(problems, "\n  "))
	}
	return t, nil
}

// Operations lists the root operations of a schema with their permissions, Query first,
// each sorted by name.
func Operations(s *ast.Schema, t *Table) []Operation {
	var out []Operation
	for _, def := range []*ast.Definition{s.Query, s.Mutation} {
		if def == nil {
			continue
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			out = append(out, Operation{Type: def.Name, Name: f.Name, Permission: t.byDef[f], Def: f})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type == "Query"
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Permission returns the permission of a root operation ("Query.alerts").
func (t *Table) Permission(op string) (auth.Permission, bool) {
	p, ok := t.ops[op]
	return p, ok
}

// FieldMiddleware checks, before each field's resolver runs, that the caller may use it, and
// records an audit entry for every mutation. Root fields without a permission (which NewTable
// refuses) are refused too: the check fails closed.
func (t *Table) FieldMiddleware(audit *Audit) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil {
			return next(ctx)
		}
		name := fc.Field.Name
		perm, declared := t.byDef[fc.Field.Definition]
		root := fc.Object == "Query" || fc.Object == "Mutation"
		switch {
		case declared:
			if err := Check(ctx, perm); err != nil {
				if fc.Object == "Mutation" {
					audit.GraphQL(ctx, name, rawArgs(ctx, fc), err)
				}
				return nil, err
			}
		case root && !strings.HasPrefix(name, "__"):
			return nil, apierr.New(apierr.Forbidden, "%s.%s declares no permission", fc.Object, name)
		case root:
			// Introspection (__schema, __type) is open to every signed-in caller.
			if err := Check(ctx, Any); err != nil {
				return nil, err
			}
		}
		if fc.Object != "Mutation" {
			return next(ctx)
		}
		res, err := next(ctx)
		audit.GraphQL(ctx, name, rawArgs(ctx, fc), err)
		return res, err
	}
}

// rawArgs returns the field's arguments as the request wrote them (variables substituted),
// as plain maps, lists and scalars.
func rawArgs(ctx context.Context, fc *graphql.FieldContext) map[string]any {
	var vars map[string]any
	if graphql.HasOperationContext(ctx) {
		vars = graphql.GetOperationContext(ctx).Variables
	}
	return fc.Field.ArgumentMap(vars)
}
