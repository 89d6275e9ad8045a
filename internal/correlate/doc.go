// Package correlate evaluates correlation rules (AnalysisType: correlation_rule) over the
// matches of their member rules, and runs their unit tests.
//
// A correlation rule runs on a schedule (RateMinutes, or a CronExpression, in UTC) and, at
// each run, looks back LookbackWindowMinutes: run T evaluates the window [T-Lookback, T) of
// event time. Runs are aligned to the Unix epoch in steps of RateMinutes, so the windows, and
// what they find, depend only on the matches, not on when they arrived or when the evaluator
// happened to run. A match that arrives after its windows were evaluated (a late match)
// makes them evaluated again; what they find then raises its alert, and what was found
// before is not raised twice (see Correlator).
//
// The inputs are signals: the matches of the member rules, including rules with
// CreateAlert: false, which raise no alert of their own, and of other correlation rules.
// Fields are read from a match's event and its alert context (p_alert_context.x), by a
// dotted path; lists contribute each element; values compare as strings.
//
// # Group
//
// Every member that is not Absence must match at least MinMatchCount times (and at most
// MaxMatchCount) in the window, in any order; an Absence member must match fewer than
// MinMatchCount times (not at all, by default). The Group's own MinMatchCount lets fewer of
// the members suffice. MatchCriteria join members: for each criterion, the listed members'
// fields must share one value; members not listed in a criterion are not constrained by it.
// Each distinct combination of criterion values is one occurrence. With
// EventEvaluationOrder Chronological (the default) the occurrence is the shortest run of
// matches from the start of the window in which enough members reached their counts, so
// windows that overlap find the same occurrence; ReverseChronological takes the shortest
// run from the end.
//
// # Sequence
//
// The steps must match in order: every match counted for a step comes at or after the
// completion of the previous step (strictly after when both steps are the same rule), and a
// step completes at its MinMatchCount-th match. A Transition from a step to the next bounds
// the time between their completions (WithinTimeFrameMinutes) and joins them on a field (On)
// or on one field each (From, To). An Absence first step means "not preceded by" (no match in
// the time frame before the next step's first match), an Absence last step "not followed by"
// (no match in the time frame after the previous step); in a live window that absence is
// decided only once its time frame is inside the window. Each distinct combination of
// joined values is one occurrence: the chain that completes first (Chronological) or last.
//
// # Tests
//
// RunTests runs a rule's Tests (RuleOutputs), which panther_analysis_tool only runs on a
// Panther backend: see RunTests for the format. TestYAML is the same for a YAML document.
package correlate
