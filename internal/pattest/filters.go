package pattest

import (
	"strings"

	"github.com/pantherlabs/panther/internal/analysis"
)

// filterSet is PAT's pair of filter lists: KEY=V filters and KEY!=V
// (inverted) filters, at most one of each per key.
type filterSet struct {
	pos, neg analysis.Filters
}

// parseFilters parses the --filter arguments like PAT: a later filter on
// the same key and direction replaces an earlier one (PAT keeps them in a
// dict). As specs/detections.md section 2.4 says, `test` does not leave out
// Status experimental or deprecated detections on its own (upload and zip
// do); a --filter Status!=... does.
func parseFilters(args []string) (filterSet, error) {
	var fs filterSet
	for _, a := range args {
		f, err := analysis.ParseFilter(a)
		if err != nil {
			return filterSet{}, err
		}
		list := &fs.pos
		if f.Negate {
			list = &fs.neg
		}
		replaced := false
		for i := range *list {
			if (*list)[i].Key == f.Key {
				(*list)[i] = f
				replaced = true
			}
		}
		if !replaced {
			*list = append(*list, f)
		}
	}
	return fs, nil
}

// all returns every filter; a spec must pass them all.
func (fs filterSet) all() analysis.Filters {
	out := make(analysis.Filters, 0, len(fs.pos)+len(fs.neg))
	out = append(out, fs.pos...)
	return append(out, fs.neg...)
}

// String renders the filters the way PAT's "No analysis ... matched
// filters" message does: two Python lists of Filter dataclasses.
func (fs filterSet) String() string {
	return reprFilters(fs.pos) + " - " + reprFilters(fs.neg)
}

func reprFilters(fs analysis.Filters) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		vals := make([]string, len(f.Values))
		for j, v := range f.Values {
			switch {
			case f.Key == "Enabled" && v == "true":
				vals[j] = "True"
			case f.Key == "Enabled" && v == "false":
				vals[j] = "False"
			default:
				vals[j] = pyRepr(v)
			}
		}
		parts[i] = "Filter(key=" + pyRepr(f.Key) + ", values=[" + strings.Join(vals, ", ") + "])"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
