// Package detect runs detections on live events: Python rules in CPython workers (pyrun),
// YAML simple detections and InlineFilters in Go (simpledetect). For each event it runs the
// enabled rules whose LogTypes include the event's type and resolves every match into the
// fields of an alert with Panther's production defaults.
package detect

import (
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// PythonContent converts loaded analysis content into what the Python workers load: every
// global helper, every enabled data model, and the detections given (those with Python).
func PythonContent(col *analysis.Collection, dets []*analysis.Detection) pyrun.Content {
	var c pyrun.Content
	for _, g := range col.Globals {
		c.Globals = append(c.Globals, pyrun.Module{Name: g.ID, Path: g.PythonPath, Source: g.PythonSource})
	}
	for _, dm := range col.DataModels {
		if !dm.Enabled {
			continue
		}
		m := pyrun.DataModel{ID: dm.ID, LogTypes: dm.LogTypes}
		for _, mp := range dm.Mappings {
			m.Mappings = append(m.Mappings, pyrun.Mapping{Name: mp.Name, Path: mp.Path, Method: mp.Method})
		}
		if dm.PythonSource != "" {
			m.Module = &pyrun.Module{Name: dm.ID, Path: dm.PythonPath, Source: dm.PythonSource}
		}
		c.DataModels = append(c.DataModels, m)
	}
	for _, d := range dets {
		if d.PythonSource == "" {
			continue
		}
		kind := pyrun.KindRule
		switch d.Type {
		case analysis.TypeScheduledRule:
			kind = pyrun.KindScheduledRule
		case analysis.TypePolicy:
			kind = pyrun.KindPolicy
		}
		c.Detections = append(c.Detections, pyrun.Detection{
			ID:            d.ID,
			Kind:          kind,
			Module:        pyrun.Module{Name: d.ID, Path: d.PythonPath, Source: d.PythonSource},
			SuppressAlert: !d.CreateAlert,
		})
	}
	return c
}

// Effective returns the detection that runs for d: d itself, or for a derived rule its base's
// logic (Python or simple detection) with d's ID and d's metadata where d sets it.
func Effective(col *analysis.Collection, d *analysis.Detection) (*analysis.Detection, bool) {
	if !d.IsDerived() {
		return d, true
	}
	base, ok := col.Base(d)
	if !ok {
		return nil, false
	}
	e := *base
	e.Header = d.Header
	e.BaseDetection = d.BaseDetection
	if _, set := d.Raw["Enabled"]; set {
		e.Enabled = d.Enabled
	}
	for _, f := range []struct{ dst, src *string }{
		{&e.Severity, &d.Severity}, {&e.DisplayName, &d.DisplayName}, {&e.Description, &d.Description},
		{&e.Reference, &d.Reference}, {&e.Runbook, &d.Runbook}, {&e.Status, &d.Status}, {&e.AlertTitle, &d.AlertTitle},
	} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	if _, set := d.Raw["DedupPeriodMinutes"]; set {
		e.DedupPeriodMinutes = d.DedupPeriodMinutes
	}
	if _, set := d.Raw["Threshold"]; set {
		e.Threshold = d.Threshold
	}
	if _, set := d.Raw["CreateAlert"]; set {
		e.CreateAlert = d.CreateAlert
	}
	if d.OutputIds != nil {
		e.OutputIds = d.OutputIds
	}
	if d.Tags != nil {
		e.Tags = d.Tags
	}
	if d.Reports != nil {
		e.Reports = d.Reports
	}
	if d.Filters != nil {
		e.Filters = d.Filters
	}
	return &e, true
}
