package pycompile

import (
	"sync/atomic"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Reading event fields by constant keys is what rules do most: `event.get("k"[, d])`,
// `event.deep_get("a", "b", default=d)`. Such call sites resolve the keys once per schema
// type they meet (a one-entry cache, replaced atomically as evaluators share compiled code)
// and read the slot directly; anything else takes the general path with the same semantics.

// keyLookup is the resolution of one key in one object type.
type keyLookup struct {
	t     *logschema.Type
	exact int   // field index of the exact key, -1 if none
	lower []int // field indexes with the same lower case, in order (the case-insensitive path)
	std   int   // root types: the standard field of that name (exact or lower-case), -1 if none
	stdLC bool  // std matched only by lower case
	slow  bool  // the general path is needed (non-ASCII key or columns, p_ field clash)
}

type keySite struct {
	key   string
	cache atomic.Pointer[keyLookup]
}

func (s *keySite) lookup(t *logschema.Type, root bool) *keyLookup {
	if c := s.cache.Load(); c != nil && c.t == t {
		return c
	}
	ti := indexOf(t)
	c := &keyLookup{t: t, exact: -1, std: -1}
	if i, ok := ti.exact[s.key]; ok {
		c.exact = i
	}
	if !isASCII(s.key) || !ti.ascii || (root && ti.clash) {
		c.slow = true
	} else {
		c.lower = ti.lower[asciiLower(s.key)]
		if root {
			if i, ok := stdByName[s.key]; ok {
				c.std = i
			} else if i, ok := stdByName[asciiLower(s.key)]; ok {
				c.std, c.stdLC = i, true
			}
		}
	}
	s.cache.Store(c)
	return c
}

// get is Mapping.get(key) on a typed view: the value (wrapped) and whether it is present. ok
// is false when the general path must answer.
func (s *keySite) get(x *Evaluator, m Value) (v Value, found bool, err *Exception, ok bool) {
	var items []event.Value
	var t *logschema.Type
	var e *event.Event
	root := isRoot(m)
	if root {
		e = m.evEvent()
		items, t = e.Root.Items, e.LogType.Root
	} else {
		ev := m.evValue()
		items, t = ev.Items, m.evType()
	}
	c := s.lookup(t, root)
	if c.slow {
		return None, false, nil, false
	}
	if c.exact >= 0 && items[c.exact].Kind != event.Null {
		v, err := x.fromTyped(&items[c.exact], t.Fields[c.exact].Type)
		return v, err == nil, err, true
	}
	if c.std >= 0 && !c.stdLC && stdPresent(e, c.std) {
		return wrap(stdValue(e, c.std)), true, nil, true
	}
	for _, i := range c.lower {
		if items[i].Kind != event.Null {
			v, err := x.fromTyped(&items[i], t.Fields[i].Type)
			return v, err == nil, err, true
		}
	}
	if c.std >= 0 && c.stdLC && stdPresent(e, c.std) {
		return wrap(stdValue(e, c.std)), true, nil, true
	}
	return None, false, nil, true
}

// getAt is the get of a view or dict by this site's key: typed views through the cache, others
// through the general lookup.
func (s *keySite) getAt(x *Evaluator, m Value) (Value, bool, *Exception) {
	if m.P != nil && (m.K == KEvent || m.K == KEvDict) {
		if v, found, err, ok := s.get(x, m); ok {
			return v, found, err
		}
	}
	switch m.K {
	case KEvent, KEvDict:
		return x.viewGet(m, Str(s.key))
	case KDict:
		return m.dict().get(Str(s.key))
	}
	return None, false, nil
}

// getCall compiles recv.get("key"[, default]) with a constant key; the general method runs
// for receivers that are not mappings.
func (c *compiler) getCall(recv expr, key string, def expr, general expr) expr {
	site := &keySite{key: key}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		r, err := recv(x, fr)
		if err != nil {
			return None, err
		}
		switch r.K {
		case KEvent, KEvDict, KDict:
		default:
			return general(x, fr)
		}
		// Python evaluates the default before the call, found or not.
		d := None
		if def != nil {
			if d, err = def(x, fr); err != nil {
				return None, err
			}
		}
		v, found, err := site.getAt(x, r)
		if err != nil {
			return None, err
		}
		if found {
			return v, nil
		}
		return d, nil
	}
}

// deepGetCall compiles event.deep_get("k1", ..., default=d) with constant keys.
func (c *compiler) deepGetCall(recv expr, keys []string, def expr, general expr) expr {
	sites := make([]*keySite, len(keys))
	for i, k := range keys {
		sites[i] = &keySite{key: k}
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		r, err := recv(x, fr)
		if err != nil {
			return None, err
		}
		if r.K != KEvent {
			return general(x, fr)
		}
		d := None
		if def != nil {
			if d, err = def(x, fr); err != nil {
				return None, err
			}
		}
		out := r
		for _, s := range sites {
			switch out.K {
			case KEvent, KEvDict, KDict:
				v, found, err := s.getAt(x, out)
				if err != nil {
					return None, err
				}
				if found {
					out = v
				} else {
					out = d
				}
			default:
				out = d
			}
		}
		if out.K == KNone {
			return d, nil
		}
		return out, nil
	}
}
