package api_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/api"

	"github.com/go-chi/chi/v5"
	"go.yaml.in/yaml/v3"

	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/api/rest"
	"github.com/pantherlabs/panther/internal/auth"
)

var update = flag.Bool("update", false, "rewrite api/openapi.yaml")

const openAPIFile = "../../api/openapi.yaml"

// TestOpenAPIDocumentIsCurrent keeps api/openapi.yaml what the route table generates
// (go test ./internal/api -run OpenAPI -update rewrites it).
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	doc, err := rest.OpenAPI(rest.Routes(&api.Deps{}))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(openAPIFile, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, doc) {
		t.Errorf("%s is stale: run go run mage.go api:openapi (or go test ./internal/api -run OpenAPI -update)", openAPIFile)
	}
}

// TestRouterMatchesOpenAPI walks the router: every route it serves is in the document, and
// every path of the document is served (the server's own paths by the runtime).
func TestRouterMatchesOpenAPI(t *testing.T) {
	s := newServer(t)
	h, err := api.New(s.deps)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	err = chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for r := range served {
		method, path, _ := strings.Cut(r, " ")
		if strings.HasSuffix(path, "/*") {
			// A mounted handler (sign-in): the document lists its paths.
			prefix := strings.TrimSuffix(path, "*")
			found := false
			for d := range documented {
				if strings.HasPrefix(strings.SplitN(d, " ", 2)[1], prefix) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s is served but no path under it is documented", path)
			}
			continue
		}
		if !documented[r] {
			t.Errorf("%s %s is served but not in %s", method, path, openAPIFile)
		}
	}
	runtimePaths := map[string]bool{"POST /http/{sourceID}": true, "GET /healthz": true, "GET /readyz": true, "GET /metrics": true}
	mounted := func(path string) bool {
		for r := range served {
			_, p, _ := strings.Cut(r, " ")
			if strings.HasSuffix(p, "/*") && strings.HasPrefix(path, strings.TrimSuffix(p, "*")) {
				return true
			}
		}
		return false
	}
	for d := range documented {
		_, path, _ := strings.Cut(d, " ")
		if !served[d] && !runtimePaths[d] && !mounted(path) {
			t.Errorf("%s is documented but not served", d)
		}
	}
}

// TestEveryRESTRouteIsGuarded calls every route of the table (the router registers exactly
// the table): without a key, with a session instead of a key, and with each role that lacks
// the route's permission. Refused writes are audited.
func TestEveryRESTRouteIsGuarded(t *testing.T) {
	s := newServer(t)
	routes := rest.Routes(&s.deps)
	sort.Slice(routes, func(i, j int) bool { return routes[i].Name < routes[j].Name })
	path := func(rt access.Route) string {
		return strings.NewReplacer("{id}", "placeholder").Replace(rt.Pattern)
	}
	refused := 0
	for _, rt := range routes {
		status, _ := s.do(rt.Method, path(rt), nil, map[string]any{})
		if status != http.StatusUnauthorized {
			t.Errorf("%s %s without a key: %d", rt.Method, rt.Pattern, status)
		}
		for _, role := range auth.Roles() {
			if rt.Permission == access.Any || role.Can(rt.Permission) {
				continue
			}
			status, body := s.do(rt.Method, path(rt), map[string]string{"X-API-Key": s.tokens[role]}, map[string]any{})
			refused++
			if status != http.StatusForbidden || !strings.Contains(string(body), string(rt.Permission)) {
				t.Errorf("%s %s as %s (lacks %s): %d %s", rt.Method, rt.Pattern, role, rt.Permission, status, body)
			}
		}
	}
	page, err := s.deps.Auth.AuditLog(context.Background(), auth.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range page.Entries {
		seen[e.Action] = true
	}
	for _, rt := range routes {
		denied := false
		for _, role := range auth.Roles() {
			if rt.Permission != access.Any && !role.Can(rt.Permission) {
				denied = true
			}
		}
		if rt.Mutating() && denied && !seen["rest."+rt.Name] {
			t.Errorf("no audit entry for the refused %s %s", rt.Method, rt.Pattern)
		}
	}
	t.Logf("%d routes, %d refused calls", len(routes), refused)
}

const apiDocFile = "../../docs/api.md"

const apiDocMarker = "<!-- The table below is generated: go test ./internal/api -run APIDoc -update -->\n"

// TestAPIDocIsCurrent keeps the permission table of docs/api.md the schema's and the route
// table's.
func TestAPIDocIsCurrent(t *testing.T) {
	schema, table, err := api.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("\n| GraphQL operation | permission | Admin | Analyst | ReadOnly |\n|---|---|---|---|---|\n")
	mark := func(p auth.Permission, r auth.Role) string {
		if p == access.Any || r.Can(p) {
			return "yes"
		}
		return ""
	}
	for _, op := range access.Operations(schema, table) {
		fmt.Fprintf(&b, "| %s `%s` | `%s` | %s | %s | %s |\n", strings.ToLower(op.Type), op.Name, op.Permission,
			mark(op.Permission, auth.RoleAdmin), mark(op.Permission, auth.RoleAnalyst), mark(op.Permission, auth.RoleReadOnly))
	}
	b.WriteString("\n| REST route | permission | Admin | Analyst | ReadOnly |\n|---|---|---|---|---|\n")
	routes := rest.Routes(&api.Deps{})
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].Pattern < routes[j].Pattern })
	for _, rt := range routes {
		fmt.Fprintf(&b, "| `%s %s` | `%s` | %s | %s | %s |\n", rt.Method, rt.Pattern, rt.Permission,
			mark(rt.Permission, auth.RoleAdmin), mark(rt.Permission, auth.RoleAnalyst), mark(rt.Permission, auth.RoleReadOnly))
	}
	have, err := os.ReadFile(apiDocFile)
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(have), apiDocMarker)
	if !ok {
		t.Fatalf("%s has no marker line", apiDocFile)
	}
	want := head + apiDocMarker + b.String()
	if *update {
		if err := os.WriteFile(apiDocFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(have) != want {
		t.Errorf("the permission table of %s is stale: go test ./internal/api -run APIDoc -update", apiDocFile)
	}
}
