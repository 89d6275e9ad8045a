package detect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
)

// LoadError is an enabled detection that cannot run: its Python module failed to load (a
// syntax error, a module that is not installed, no rule function), its spec is invalid, or
// it derives from a base that is not loaded. It is reported once, when the content loads,
// and raises one RULE_ERROR alert (LoadErrorMatches); it is not run on events, so it makes
// no error row per event.
type LoadError struct {
	ID   string
	Type analysis.AnalysisType
	// File is where the problem is: the spec, or the Python file and line.
	File string
	// Severity is the detection's, when its spec could be read.
	Severity string
	// Cause says what is wrong; Fix what to do about it.
	Cause string
	Fix   string
}

// Error renders "file: detection ID cannot run: cause; fix".
func (e LoadError) Error() string {
	msg := fmt.Sprintf("%s: detection %s cannot run: %s", e.File, e.ID, e.Cause)
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

func (e *Engine) addLoadError(le LoadError) {
	e.LoadErrors = append(e.LoadErrors, le)
	e.Skipped[le.ID] = le.Error()
}

func (e *Engine) sortLoadErrors() {
	sort.SliceStable(e.LoadErrors, func(i, j int) bool { return e.LoadErrors[i].ID < e.LoadErrors[j].ID })
}

// dropUnloaded takes the rules whose Python module failed to load out of the engine and
// records their load errors.
func (e *Engine) dropUnloaded(col *analysis.Collection) {
	bad := map[string]bool{}
	for _, r := range e.rules {
		se := e.pool.SetupError(r.ID)
		if se == nil {
			continue
		}
		bad[r.ID] = true
		le := LoadError{ID: r.ID, Type: r.Type, File: se.Path, Severity: r.Severity,
			Cause: fmt.Sprintf("%s: %s", se.Type, se.Message), Fix: se.Fix}
		if se.Line > 0 {
			le.File = fmt.Sprintf("%s:%d", se.Path, se.Line)
		}
		if le.Fix == "" {
			le.Fix = "fix the module and load the content again"
		}
		e.addLoadError(le)
	}
	for _, dm := range col.DataModels {
		if se := e.pool.SetupError(dm.ID); se != nil {
			e.Skipped[dm.ID] = se.Error()
		}
	}
	if len(bad) == 0 {
		return
	}
	keep := e.rules[:0]
	for _, r := range e.rules {
		if !bad[r.ID] {
			keep = append(keep, r)
		}
	}
	e.rules = keep
	for lt, rules := range e.byType {
		kept := rules[:0]
		for _, r := range rules {
			if !bad[r.ID] {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(e.byType, lt)
		} else {
			e.byType[lt] = kept
		}
	}
}

// addInvalid records the invalid specs of rules and correlation rules that are not disabled.
func (e *Engine) addInvalid(col *analysis.Collection) {
	for _, inv := range col.Invalid {
		if inv.ID == "" || !inv.Enabled {
			continue
		}
		switch inv.Type {
		case analysis.TypeRule, analysis.TypeCorrelationRule:
		default:
			continue
		}
		var causes []string
		for _, p := range inv.Problems {
			causes = append(causes, p.Error())
		}
		e.addLoadError(LoadError{ID: inv.ID, Type: inv.Type, File: inv.File, Severity: inv.Severity,
			Cause: "its spec is invalid: " + strings.Join(causes, "; "),
			Fix:   "correct the spec as the messages say and load the content again"})
	}
}

// loadErrorPeriod is the window of load error alerts: a detection that stays broken raises
// at most one alert a day, however often the content is loaded.
const loadErrorPeriod = 24 * time.Hour

// LoadErrorMatches returns one RULE_ERROR alert match per load error, at time at.
func LoadErrorMatches(errs []LoadError, at time.Time) []alerts.Match {
	out := make([]alerts.Match, 0, len(errs))
	for _, le := range errs {
		sev := strings.ToUpper(le.Severity)
		switch sev {
		case "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL":
		default:
			sev = "HIGH" // the spec's severity is missing or invalid
		}
		ctx, _ := json.Marshal(map[string]string{"file": le.File, "cause": le.Cause, "fix": le.Fix})
		sum := sha256.Sum256([]byte(le.ID + "\x00" + le.Cause))
		out = append(out, alerts.Match{
			Type:         alerts.TypeRuleError,
			DetectionID:  le.ID,
			EventTime:    at.UTC(),
			DedupPeriod:  loadErrorPeriod,
			Title:        fmt.Sprintf("Detection %s cannot run: %s", le.ID, firstLine(le.Cause)),
			Dedup:        "load error: " + firstLine(le.Cause),
			Severity:     sev,
			Description:  "The detection failed to load, so it is not running on any event.",
			Runbook:      le.Fix,
			Context:      ctx,
			ErrorMessage: le.Error(),
			EventKey:     hex.EncodeToString(sum[:16]),
		})
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 500 {
		s = s[:485] + "... (truncated)"
	}
	return s
}

// ReportLoadErrors writes each load error on w and records its RULE_ERROR alert in st (when
// st is not nil); it returns the alerts that this raised.
func ReportLoadErrors(ctx context.Context, errs []LoadError, st *alerts.Store, at time.Time, w io.Writer) ([]*alerts.Alert, error) {
	for _, le := range errs {
		fmt.Fprintf(w, "panther: %v\n", le)
	}
	if st == nil || len(errs) == 0 {
		return nil, nil
	}
	_, raised, err := st.Record(ctx, LoadErrorMatches(errs, at))
	return raised, err
}
