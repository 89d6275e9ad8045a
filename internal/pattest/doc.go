// Package pattest runs the unit tests of panther-analysis content the way
// `panther_analysis_tool test` (PAT) does, and prints PAT's report.
//
// # What it does
//
// Run loads the content with package analysis in PAT's walk mode, applies
// the --filter arguments, and tests every rule, scheduled rule, policy,
// correlation rule and simple detection that is left, in PAT's order:
// Python detections, derived and correlation rules in load order, then the
// simple detections. Python tests run on CPython workers (package pyrun),
// one detection per worker call and several detections at once; the
// report still comes out in that order. For each test it prints the
// detection ID, a tab and [PASS] or [FAIL] with the test name, and two tabs
// with each function's result; then the Skipped, Failed and Invalid Tests
// Summaries and the Test Summary (Path, Passed, Skipped, Failed, Invalid,
// all counted per detection, Passed being the detections minus the other
// three as in PAT), followed by one line of our own:
//
//	Test cases: N passed, N failed, N skipped
//
// Log lines ("INFO: Testing analysis items in <path>", warnings, and on
// exit code 1 the ERROR line of the last invalid spec) go to Options.Stderr.
// The exit code is 1 when a test failed, a spec is invalid, or nothing
// could be tested; else 0.
//
// PAT behaviour kept on purpose, although it may surprise:
//
//   - Detections with Status experimental or deprecated are tested, as
//     specs/detections.md says of `pat test` (newer PAT releases filter them
//     out by default; use --filter Status!=experimental,deprecated for that).
//   - Passed can be negative: invalid specs that are not detections are
//     subtracted too.
//   - A derived rule whose base is not among the tested detections is
//     skipped with a warning and still counts as passed; one without Tests
//     inherits its base's; --test-names looks only at its own tests.
//   - When tests failed but no spec is invalid, PAT logs "ERROR: []".
//
// # Where we differ from PAT
//
// PAT run without a Panther backend skips simple detections silently (and
// counts them as passed) and ignores InlineFilters. We do better:
//
//   - Simple detections (a Detection key in the YAML) are evaluated with
//     the Go evaluator of package simpledetect. The [rule] line shows the
//     match; tests that expect an alert also print the generated title
//     (AlertTitle), dedup (GroupBy), alertContext (AlertContext, as
//     json.dumps would write it) and severity (DynamicSeverities, when one
//     applies). Mocks do not apply to them.
//   - InlineFilters are applied before the detection runs, as Panther's
//     backend does: when a test's event fails them, the detection is not
//     called and returns False (only the [rule] false line is printed).
//     This holds for Python rules and for simple detections; a derived
//     rule uses its own InlineFilters.
//   - A derived rule whose base is a simple detection is tested with the
//     Go evaluator (PAT stops with a KeyError).
//   - Correlation rules' tests (RuleOutputs), which PAT sends to a Panther
//     backend and skips without one, run here with package correlate: the
//     [rule] line says whether the rule matched the listed matches and, when
//     it did, [dedup] shows the dedup string of the alert it would raise.
//
// Other differences: invalid specs are reported with every problem,
// each as "file:line: key path: message"; a detection that fails to load
// is reported as "path:line: ExceptionType: message"; data model
// conflicts are found while loading, so the conflicting data model is
// listed with the other invalid specs and PAT's "[ERROR] Conflicting
// Enabled LogTypes" line is not printed; PAT's version check and
// "No backend client provided" messages are not printed; PASS and FAIL are
// colored only when Options.Color is set (the CLI sets it when standard
// output is a terminal).
package pattest
