// Command logtypesdoc writes docs/log-types.md from the managed log schemas:
// go run ./tools/logtypesdoc > docs/log-types.md (or go run mage.go docs:logTypes).
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

func main() {
	reg, err := logtypes.Managed()
	if err != nil {
		fmt.Fprintln(os.Stderr, "logtypesdoc:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	types := reg.All()
	fmt.Fprintf(w, "# Managed log types\n\n")
	fmt.Fprintf(w, "Generated from the schemas embedded in the binary (`internal/logtypes/schemas`) by `go run mage.go docs:logTypes`; do not edit.\n\n")
	fmt.Fprintf(w, "%d log types. Each is queryable as `panther_logs.<table>`; every table also has the standard `p_` columns "+
		"(p_log_type, p_row_id, p_event_time, p_parse_time, p_source_id, p_source_label and the p_any_* indicator lists).\n\n", len(types))
	fmt.Fprintf(w, "| Log type | Table | Format | Event time | Description |\n|---|---|---|---|---|\n")
	for _, t := range types {
		fmt.Fprintf(w, "| [%s](#%s) | `%s` | %s | %s | %s |\n", t.Name, anchor(t.Name), t.Table, format(t), eventTime(t.LogType), cell(t.Schema.Description))
	}
	for _, t := range types {
		fmt.Fprintf(w, "\n## %s\n\n", t.Name)
		if d := t.Schema.Description; d != "" {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(d))
		}
		if u := t.Schema.ReferenceURL; u != "" && u != "-" {
			fmt.Fprintf(w, "Reference: <%s>\n\n", u)
		}
		fmt.Fprintf(w, "Table `panther_logs.%s`, format %s, event time %s.\n\n", t.Table, format(t), eventTime(t.LogType))
		if cols := indicatorColumns(t.LogType); len(cols) > 0 {
			fmt.Fprintf(w, "Indicator columns filled by its fields: %s.\n\n", strings.Join(cols, ", "))
		}
		fmt.Fprintf(w, "| Column | Type | Required | Indicators | Description |\n|---|---|---|---|---|\n")
		t.Root.Walk(func(path string, f *logschema.Field) {
			var sc []string
			et := f.Type
			for et.Kind == logschema.KindArray {
				et = et.Elem
			}
			for _, s := range et.Scanners {
				sc = append(sc, s.String())
			}
			req := ""
			if f.Required {
				req = "yes"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", path, typeName(f.Type), req, strings.Join(sc, ", "), cell(f.Description))
		})
	}
}

func anchor(name string) string {
	return strings.ToLower(strings.NewReplacer(".", "", " ", "-").Replace(name))
}

func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", "\\|")
}

func format(t *logtypes.LogType) string {
	p := t.Schema.Parser
	switch {
	case p == nil:
		return "JSON"
	case p.CSV != nil:
		return "CSV"
	case p.Fastmatch != nil:
		return "fastmatch"
	case p.Regex != nil:
		return "regex"
	case p.Native != nil:
		if t.JSON {
			return "JSON (native)"
		}
		return "text (native)"
	}
	return "?"
}

func typeName(t *logschema.Type) string {
	switch t.Kind {
	case logschema.KindArray:
		return "array&lt;" + typeName(t.Elem) + "&gt;"
	case logschema.KindTimestamp:
		return "timestamp"
	}
	return t.Kind.String()
}

func eventTime(lt *logschema.LogType) string {
	var names []string
	for _, path := range lt.EventTimePaths {
		t := lt.Root
		var parts []string
		for _, i := range path {
			parts = append(parts, t.Fields[i].Column)
			t = t.Fields[i].Type
		}
		names = append(names, "`"+strings.Join(parts, ".")+"`")
	}
	if len(names) == 0 {
		return "parse time"
	}
	return strings.Join(names, ", then ")
}

func indicatorColumns(lt *logschema.LogType) []string {
	seen := map[string]bool{}
	lt.Root.Walk(func(_ string, f *logschema.Field) {
		t := f.Type
		for t.Kind == logschema.KindArray {
			t = t.Elem
		}
		for _, s := range t.Scanners {
			for _, k := range s.Kinds() {
				seen[k.Column()] = true
			}
		}
		if t.Kind == logschema.KindJSON {
			// json fields are scanned by key name for every kind ScanJSON knows.
			for _, k := range indicators.Kinds {
				switch k.Column() {
				case "p_any_ip_addresses", "p_any_domain_names", "p_any_aws_arns", "p_any_aws_account_ids",
					"p_any_aws_instance_ids", "p_any_aws_tags":
					seen[k.Column()] = true
				}
			}
		}
	})
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, "`"+c+"`")
	}
	sort.Strings(out)
	return out
}
