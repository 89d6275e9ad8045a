// Package analysis loads and validates panther-analysis content: rules,
// scheduled rules, correlation rules, policies, globals, data models,
// packs, saved and scheduled queries, lookup tables and scheduled prompts,
// from a directory tree or a .zip archive.
//
// Only YAML files (and, outside PAT mode, JSON files) whose top level has
// an AnalysisType key are specs; others are skipped silently, as are hidden
// files and directories, __pycache__, dependabot.yml, package.json and
// package-lock.json. YAML scalars follow the YAML 1.2 rules of PAT's loader
// (see ResolveScalar): timestamps stay strings and only true/false are
// bools.
//
// Every spec is checked against the schema of its type, like
// panther_analysis_tool: required and optional keys, types, exactly-one-of
// pairs, ID and DisplayName characters, Severity values, duplicate-free
// set fields (Tags also ignoring case), test and mock shapes, schedule
// rules, IDs unique across all specs, pack IDs that exist, one enabled data
// model per log type, and the file named by Filename next to the spec.
// Simple detections, InlineFilters and the alert keys are compiled with
// package simpledetect. Unlike PAT, which stops at the first problem of a
// spec, every problem is reported, each with file, line and key path.
//
// Load order is deterministic: files sorted by name, each directory's files
// before its subdirectories, and subdirectories sorted by name too (PAT
// follows the file system's order for directories).
package analysis
