package resources

import (
	"reflect"
	"sort"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// Difference is one changed value of a snapshot: From is absent (nil) for an added key, To for
// a removed one.
type Difference struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Diff compares two snapshots. Objects are compared key by key, recursively, and each changed
// leaf is named by its path of keys joined with dots ("Versioning.Status"); a key holding dots
// is kept whole in its segment. Lists, strings, numbers and booleans are compared as whole
// values. The result is nil when nothing changed.
func Diff(old, cur cloudsec.Snapshot) map[string]Difference {
	out := map[string]Difference{}
	diffObject("", map[string]any(old), map[string]any(cur), out)
	if len(out) == 0 {
		return nil
	}
	return out
}

func diffObject(prefix string, old, cur map[string]any, out map[string]Difference) {
	keys := make([]string, 0, len(old)+len(cur))
	for k := range old {
		keys = append(keys, k)
	}
	for k := range cur {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		ov, inOld := old[k]
		cv, inCur := cur[k]
		om, oIsMap := ov.(map[string]any)
		cm, cIsMap := cv.(map[string]any)
		switch {
		case inOld && inCur && oIsMap && cIsMap:
			diffObject(path, om, cm, out)
		case !inOld:
			out[path] = Difference{To: cv}
		case !inCur:
			out[path] = Difference{From: ov}
		case !reflect.DeepEqual(ov, cv):
			out[path] = Difference{From: ov, To: cv}
		}
	}
}
