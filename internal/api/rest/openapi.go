package rest

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pantherlabs/panther/internal/api/access"
)

// param is a documented query parameter.
type param struct {
	name, typ, desc string
	list            bool
	def             any
}

// doc documents one route: what it does, its query parameters, its body and its answer.
type doc struct {
	summary string
	query   []param
	body    any // a value of the body's type, nil when there is none
	resp    any // a value of the answer's type, nil for 204
	status  int // the success status (default 200)
}

var (
	pCursor = param{name: "cursor", typ: "string", desc: "the next cursor of the previous page"}
	pSev    = param{name: "severity", typ: "string", list: true, desc: "INFO, LOW, MEDIUM, HIGH or CRITICAL"}
	pState  = param{name: "state", typ: "string", desc: "enabled or disabled"}
	pName   = param{name: "name-contains", typ: "string", desc: "a case-insensitive substring of the ID or display name"}
	pTag    = param{name: "tag", typ: "string", list: true, desc: "tags (case-insensitive)"}
	pBy     = param{name: "created-by", typ: "string", desc: "the ID of the user or token that created it"}
	pModBy  = param{name: "last-modified-by", typ: "string", desc: "the ID of the user or token that changed it last"}
	pTests  = []param{
		{name: "run-tests-first", typ: "boolean", def: true, desc: "run the unit tests and refuse to save when one fails"},
		{name: "run-tests-only", typ: "boolean", def: false, desc: "only run the unit tests (204 when they pass)"},
	}
)

func limitParam(def, max int) param {
	return param{name: "limit", typ: "integer", def: def, desc: "the page size (at most " + strconv.Itoa(max) + ")"}
}

func detectionDocs(k detectionKind) map[string]doc {
	what := strings.ReplaceAll(k.path, "-", " ")
	list := []param{limitParam(100, 1000), pCursor, pName, pState, pSev, pTag, pBy, pModBy}
	switch k.name {
	case "rule", "simple_rule":
		list = append(list, param{name: "log-type", typ: "string", list: true, desc: "log types"})
	case "policy":
		list = append(list, param{name: "resource-type", typ: "string", list: true, desc: "resource types"},
			param{name: "compliance-status", typ: "string", desc: "PASS, FAIL or ERROR (accepted, not applied)"})
	case "scheduled_rule":
		list = append(list, param{name: "scheduled-query", typ: "string", list: true, desc: "the scheduled queries they run on"})
	}
	return map[string]doc{
		k.name + ".list":   {summary: "List " + what, query: list, resp: listJSON[detectionJSON]{}},
		k.name + ".create": {summary: "Create one of the " + what, query: pTests, body: detectionJSON{}, resp: detectionJSON{}},
		k.name + ".get":    {summary: "Get one of the " + what, resp: detectionJSON{}},
		k.name + ".put":    {summary: "Create or replace one of the " + what + " (201 when created)", query: pTests, body: detectionJSON{}, resp: detectionJSON{}},
		k.name + ".delete": {summary: "Delete one of the " + what, status: http.StatusNoContent},
	}
}

// docs documents every route of Routes by name.
func docs() map[string]doc {
	d := map[string]doc{
		"alert.list": {summary: "List alerts", resp: listJSON[alertJSON]{}, query: []param{
			{name: "type", typ: "string", def: "ALERT", desc: "ALERT, DETECTION_ERROR or SYSTEM_ERROR"},
			{name: "sub-type", typ: "string", list: true, desc: "RULE, RULE_ERROR, SCHEDULED_RULE, SCHEDULED_RULE_ERROR, POLICY, CORRELATION_RULE, CORRELATION_RULE_ERROR"},
			pCursor, limitParam(25, 50),
			{name: "created-after", typ: "string", desc: "a date (2025-01-01), a month (2025-01), RFC 3339, or Unix seconds"},
			{name: "created-before", typ: "string", desc: "as created-after"},
			{name: "detection-id", typ: "string", desc: "the detection that raised them"},
			{name: "sort-dir", typ: "string", def: "desc", desc: "asc or desc (by creation time)"},
			{name: "name-contains", typ: "string", desc: "a substring of the title or detection ID"},
			{name: "log-source", typ: "string", list: true, desc: "log source IDs (accepted, not applied)"},
			{name: "log-type", typ: "string", list: true, desc: "log types of the alerts' events"},
			{name: "resource-type", typ: "string", list: true, desc: "resource types (accepted, not applied)"},
			{name: "status", typ: "string", list: true, desc: "OPEN, TRIAGED, RESOLVED or CLOSED"},
			pSev,
			{name: "assignee", typ: "string", list: true, desc: "user IDs"},
			{name: "event-count-min", typ: "integer", desc: "at least this many events"},
			{name: "event-count-max", typ: "integer", desc: "at most this many events"},
		}},
		"alert.bulkPatch":   {summary: "Set the status or assignee of alerts", body: patchAlertJSON{}, status: http.StatusNoContent},
		"alert.get":         {summary: "Get an alert", resp: alertJSON{}},
		"alert.patch":       {summary: "Set the status or assignee of an alert", body: patchAlertJSON{}, resp: struct{}{}},
		"alert.events":      {summary: "List an alert's events", query: []param{pCursor, limitParam(25, 50)}, resp: listJSON[any]{}},
		"comment.list":      {summary: "List an alert's comments", query: []param{{name: "alert-id", typ: "string", desc: "the alert (required)"}, pCursor, limitParam(25, 50)}, resp: listJSON[commentJSON]{}},
		"comment.create":    {summary: "Comment on an alert", body: commentJSON{}, resp: commentJSON{}},
		"comment.get":       {summary: "Get a comment", resp: commentJSON{}},
		"comment.update":    {summary: "Edit a comment (refused: comments cannot be edited)", body: commentJSON{}, resp: commentJSON{}},
		"global.list":       {summary: "List global helpers", query: []param{limitParam(100, 1000), pCursor, pName, pBy, pModBy}, resp: listJSON[globalJSON]{}},
		"global.create":     {summary: "Create a global helper", body: globalJSON{}, resp: globalJSON{}},
		"global.get":        {summary: "Get a global helper", resp: globalJSON{}},
		"global.put":        {summary: "Create or replace a global helper (201 when created)", body: globalJSON{}, resp: map[string]globalJSON{}},
		"global.delete":     {summary: "Delete a global helper", status: http.StatusNoContent},
		"data_model.list":   {summary: "List data models", query: []param{limitParam(100, 1000), pCursor}, resp: listJSON[dataModelJSON]{}},
		"data_model.create": {summary: "Create a data model", body: dataModelJSON{}, resp: dataModelJSON{}},
		"data_model.get":    {summary: "Get a data model", resp: dataModelJSON{}},
		"data_model.put":    {summary: "Create or replace a data model (201 when created)", body: dataModelJSON{}, resp: dataModelJSON{}},
		"data_model.delete": {summary: "Delete a data model", status: http.StatusNoContent},
		"query.list":        {summary: "List saved and scheduled queries", query: []param{limitParam(100, 1000), pCursor}, resp: listJSON[queryJSON]{}},
		"query.create":      {summary: "Create a saved query (a scheduled one with a schedule)", body: queryJSON{}, resp: queryJSON{}},
		"query.get":         {summary: "Get a saved query by ID (a UUID) or name", resp: queryJSON{}},
		"query.update":      {summary: "Update a saved query", body: queryJSON{}, resp: queryJSON{}},
		"query.delete":      {summary: "Delete a saved query", status: http.StatusNoContent},
		"user.list": {summary: "List users", resp: listJSON[userJSON]{}, query: []param{limitParam(60, 1000), pCursor,
			{name: "contains", typ: "string", desc: "a substring of the e-mail or name"}, {name: "email", typ: "string", desc: "an e-mail"},
			{name: "id", typ: "string", list: true, desc: "user IDs"}, {name: "ids", typ: "string", desc: "comma-separated user IDs"},
			{name: "include-deactivated", typ: "boolean", def: false, desc: "include disabled users"}, {name: "status", typ: "string", desc: "FORCE_CHANGE_PASSWORD or CONFIRMED"}}},
		"user.create": {summary: "Invite a user (the answer holds a one-time password)", body: modifyUserJSON{}, resp: userJSON{}},
		"user.get":    {summary: "Get a user by ID or e-mail", resp: userJSON{}},
		"user.update": {summary: "Update a user", body: modifyUserJSON{}, resp: userJSON{}},
		"user.delete": {summary: "Delete a user", resp: struct{}{}},
		"role.list": {summary: "List the roles (Admin, Analyst, ReadOnly)", resp: listJSON[roleJSON]{}, query: []param{
			pName, {name: "name", typ: "string", desc: "a role name"}, {name: "id", typ: "string", list: true, desc: "role IDs"},
			{name: "ids", typ: "string", desc: "comma-separated role IDs"}, {name: "sort-dir", typ: "string", def: "asc", desc: "asc or desc"}}},
		"role.create":        {summary: "Create a role (refused: roles are fixed)", body: roleJSON{}, resp: roleJSON{}},
		"role.get":           {summary: "Get a role", resp: roleJSON{}},
		"role.update":        {summary: "Update a role (refused: roles are fixed)", body: roleJSON{}, resp: roleJSON{}},
		"role.delete":        {summary: "Delete a role (refused: roles are fixed)", resp: struct{}{}},
		"api_token.list":     {summary: "List API tokens (never their values)", resp: listJSON[tokenJSON]{}},
		"api_token.create":   {summary: "Create an API token (its value is in the answer only)", body: tokenJSON{}, resp: tokenJSON{}},
		"api_token.self":     {summary: "The calling token and its permissions", resp: tokenJSON{}},
		"api_token.get":      {summary: "Get an API token", resp: tokenJSON{}},
		"api_token.update":   {summary: "Update an API token (refused: create a new one)", body: tokenJSON{}, resp: tokenJSON{}},
		"api_token.delete":   {summary: "Revoke an API token", status: http.StatusNoContent},
		"api_token.rotate":   {summary: "Replace an API token's value (the old one stops working)", resp: tokenJSON{}},
		"http_source.create": {summary: "Create an HTTP log source (the answer holds its secret)", body: httpSourceJSON{}, resp: httpSourceJSON{}, status: http.StatusCreated},
		"http_source.get":    {summary: "Get an HTTP log source", resp: httpSourceJSON{}},
		"http_source.put":    {summary: "Update an HTTP log source", body: httpSourceJSON{}, resp: httpSourceJSON{}},
		"http_source.delete": {summary: "Delete an HTTP log source", status: http.StatusNoContent},
	}
	for _, k := range detectionKinds {
		for n, v := range detectionDocs(k) {
			d[n] = v
		}
	}
	return d
}

// ServerPath is a path of the server that is not a REST route (GraphQL, sign-in, push,
// health, metrics), documented with the REST API.
type ServerPath struct {
	Method, Path, Summary, Auth string
}

// ServerPaths are the server's other paths.
var ServerPaths = []ServerPath{
	{http.MethodPost, "/graphql", "The GraphQL API of the console (api/graphql/schema.graphql)", "session"},
	{http.MethodPost, "/public/graphql", "The GraphQL API for scripts (panther_analysis_tool, mcp-panther)", "apiKey"},
	{http.MethodPost, "/v1/public/graphql", "The same, under the REST base (mcp-panther with PANTHER_INSTANCE_URL=<server>/v1)", "apiKey"},
	{http.MethodPost, "/auth/sign-in", "Sign in: {email, password, code}; sets the session cookie", ""},
	{http.MethodPost, "/auth/change-password", "Sign in with a new password: {email, password, newPassword, code}", ""},
	{http.MethodPost, "/auth/mfa/enroll", "Start TOTP enrollment at sign-in: {email, password}", ""},
	{http.MethodPost, "/auth/sign-out", "End the session (X-CSRF-Token)", "session"},
	{http.MethodGet, "/auth/session", "The current session", "session"},
	{http.MethodPost, "/http/{sourceID}", "Push logs to an HTTP source: NDJSON, JSON array or text lines, gzip or zstd; 200 {accepted: N} once persisted", "source"},
	{http.MethodGet, "/healthz", "Liveness", ""},
	{http.MethodGet, "/readyz", "Readiness", ""},
	{http.MethodGet, "/metrics", "Prometheus metrics", ""},
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// OpenAPI renders the OpenAPI 3 document of the REST routes and the server's other paths.
func OpenAPI(routes []access.Route) ([]byte, error) {
	ds := docs()
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	op := func(path, method string) map[string]any {
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		o := map[string]any{}
		paths[path][strings.ToLower(method)] = o
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		return o
	}
	for _, rt := range routes {
		d, ok := ds[rt.Name]
		if !ok {
			d = doc{summary: rt.Name}
		}
		o := op(rt.Pattern, rt.Method)
		o["operationId"] = rt.Name
		o["summary"] = d.summary
		o["tags"] = []string{strings.SplitN(rt.Name, ".", 2)[0]}
		o["x-permission"] = string(rt.Permission)
		params, _ := o["parameters"].([]any)
		for _, p := range d.query {
			s := map[string]any{"type": p.typ}
			if p.list {
				s = map[string]any{"type": "array", "items": map[string]any{"type": p.typ}}
			}
			if p.def != nil {
				s["default"] = p.def
			}
			params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.desc, "schema": s})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if d.body != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(d.body), schemas)}}}
		}
		status := d.status
		if status == 0 {
			status = http.StatusOK
		}
		ok200 := map[string]any{"description": http.StatusText(status)}
		if d.resp != nil && status != http.StatusNoContent {
			ok200["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(d.resp), schemas)}}
		}
		responses := map[string]any{strconv.Itoa(status): ok200}
		for _, e := range errorStatuses(rt) {
			responses[strconv.Itoa(e)] = map[string]any{"description": http.StatusText(e), "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		}
		o["responses"] = responses
	}
	for _, sp := range ServerPaths {
		o := op(sp.Path, sp.Method)
		o["summary"] = sp.Summary
		o["tags"] = []string{"server"}
		o["responses"] = map[string]any{"200": map[string]any{"description": "OK"}}
		switch sp.Auth {
		case "":
			o["security"] = []any{}
		case "session":
			o["security"] = []any{map[string]any{"session": []any{}, "csrf": []any{}}, map[string]any{"apiKey": []any{}}}
		case "source":
			o["security"] = []any{map[string]any{"sourceBearer": []any{}}, map[string]any{"sourceHMAC": []any{}}}
		}
	}
	schemas["Error"] = map[string]any{"type": "object", "required": []string{"message"}, "properties": map[string]any{"message": map[string]any{"type": "string"}}}
	pathsAny := map[string]any{}
	for k, v := range paths {
		pathsAny[k] = v
	}
	docRoot := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Panther REST API (Panther-in-Go)", "version": "1.0",
			"description": "Panther's REST API: the paths, methods and JSON shapes of Panther's, authenticated with an API token in X-API-Key. " +
				"Generated from internal/api/rest (go run mage.go api:openapi); x-permission names the permission each operation needs."},
		"servers":  []any{map[string]any{"url": "http://127.0.0.1:8080"}},
		"security": []any{map[string]any{"apiKey": []any{}}},
		"paths":    pathsAny,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"apiKey":       map[string]any{"type": "apiKey", "in": "header", "name": access.APIKeyHeader},
				"session":      map[string]any{"type": "apiKey", "in": "cookie", "name": access.SessionCookie},
				"csrf":         map[string]any{"type": "apiKey", "in": "header", "name": access.CSRFHeader},
				"sourceBearer": map[string]any{"type": "http", "scheme": "bearer"},
				"sourceHMAC":   map[string]any{"type": "apiKey", "in": "header", "name": "X-Panther-Signature"},
			},
		},
	}
	return yaml.Marshal(docRoot)
}

func errorStatuses(rt access.Route) []int {
	out := []int{http.StatusUnauthorized}
	if rt.Permission != access.Any {
		out = append(out, http.StatusForbidden)
	}
	if strings.Contains(rt.Pattern, "{") {
		out = append(out, http.StatusNotFound)
	}
	if rt.Mutating() || rt.Method == http.MethodGet {
		out = append(out, http.StatusBadRequest)
	}
	sort.Ints(out)
	return out
}

// schemaOf is the JSON schema of a Go type; named structs become components.
func schemaOf(t reflect.Type, comps map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), comps)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), comps)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := componentName(t)
		if name == "" {
			return structSchema(t, comps)
		}
		if _, ok := comps[name]; !ok {
			comps[name] = map[string]any{} // break cycles
			comps[name] = structSchema(t, comps)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func structSchema(t reflect.Type, comps map[string]any) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, comps)
	}
	s := map[string]any{"type": "object"}
	if len(props) > 0 {
		s["properties"] = props
	}
	return s
}

// componentName names a struct type's component: alertJSON -> Alert, listJSON[alertJSON] ->
// AlertList; "" for anonymous structs.
func componentName(t reflect.Type) string {
	return nameOf(t.Name())
}

func nameOf(n string) string {
	if n == "" {
		return ""
	}
	if base, arg, ok := strings.Cut(n, "["); ok && base == "listJSON" {
		arg = strings.TrimSuffix(arg, "]")
		arg = arg[strings.LastIndex(arg, ".")+1:]
		if arg == "interface {}" || arg == "any" || arg == "" {
			return "EventList"
		}
		return nameOf(arg) + "List"
	}
	n = strings.TrimSuffix(n, "JSON")
	return strings.ToUpper(n[:1]) + n[1:]
}
