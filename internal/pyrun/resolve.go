package pyrun

import (
	"encoding/json"
	"strings"
)

// Defaults is the YAML metadata of a detection that production falls back on.
type Defaults struct {
	ID          string
	DisplayName string
	Severity    string // YAML severity, e.g. "High"
	Description string
	Reference   string
	Runbook     string
}

// Alert holds the generated fields of a match after production defaults.
type Alert struct {
	Title       string
	Dedup       string
	Severity    string // upper case: INFO, LOW, MEDIUM, HIGH or CRITICAL
	Description string
	Reference   string
	Runbook     string
	// Destinations is the destinations() override; nil means no override
	// (route by OutputIds, then severity). ["SKIP"] suppresses delivery.
	// Names are not yet mapped to destination IDs.
	Destinations []string
	// AlertContext is the alert_context JSON, nil when undefined.
	AlertContext json.RawMessage
	// Unique is the unique() output, empty when undefined or failing.
	Unique string
}

// Resolve applies the production ("batch mode") defaults of panther_core
// to a match: aux errors never drop the alert, they fall back to defaults.
func (m *Match) Resolve(d Defaults) Alert {
	a := Alert{
		Severity:    strings.ToUpper(d.Severity),
		Description: d.Description,
		Reference:   d.Reference,
		Runbook:     d.Runbook,
	}
	defaultDedup := "defaultDedupString:" + d.ID
	// titleOut is the Python title output as production sees it: the value,
	// the ID when title() failed, empty when title() is undefined.
	titleOut := ""
	switch {
	case m.Title == nil:
		a.Title = d.DisplayName
		if a.Title == "" {
			a.Title = d.ID
		}
	case m.Title.Err != "":
		a.Title, titleOut = d.ID, d.ID
	default:
		a.Title, titleOut = m.Title.Value, m.Title.Value
		if a.Title == "" {
			a.Title = d.ID
		}
	}
	switch {
	case m.Dedup == nil:
		a.Dedup = titleOut
	case m.Dedup.Err == "":
		a.Dedup = m.Dedup.Value
	}
	if a.Dedup == "" {
		a.Dedup = defaultDedup
	}
	if m.Severity != nil && m.Severity.Err == "" && m.Severity.Value != "DEFAULT" && m.Severity.Value != "" {
		a.Severity = m.Severity.Value
	}
	for _, f := range []struct {
		out *Output
		dst *string
	}{{m.Description, &a.Description}, {m.Reference, &a.Reference}, {m.Runbook, &a.Runbook}} {
		if f.out != nil && f.out.Err == "" && f.out.Value != "" {
			*f.dst = f.out.Value
		}
	}
	if dst := m.Destinations; dst != nil && dst.Err == "" && !dst.None {
		a.Destinations = dst.Names
		if len(a.Destinations) == 0 {
			a.Destinations = []string{"SKIP"}
		}
	}
	if m.AlertContext != nil {
		a.AlertContext = json.RawMessage(m.AlertContext.Value)
	}
	if m.Unique != nil && m.Unique.Err == "" {
		a.Unique = m.Unique.Value
	}
	return a
}
