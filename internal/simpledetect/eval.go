package simpledetect

// expr is one compiled match expression; root is the object the keys are
// looked up in (the event, or a list element inside a list comprehension).
type expr interface {
	eval(root any) bool
}

type groupKind uint8

const (
	groupAll groupKind = iota
	groupAny
	groupOnlyOne
	groupNone
)

type group struct {
	kind  groupKind
	items []expr
}

func (g *group) eval(root any) bool {
	switch g.kind {
	case groupAll:
		for _, e := range g.items {
			if !e.eval(root) {
				return false
			}
		}
		return true
	case groupAny:
		for _, e := range g.items {
			if e.eval(root) {
				return true
			}
		}
		return false
	case groupOnlyOne:
		n := 0
		for _, e := range g.items {
			if e.eval(root) {
				n++
				if n > 1 {
					return false
				}
			}
		}
		return n == 1
	}
	for _, e := range g.items {
		if e.eval(root) {
			return false
		}
	}
	return true
}

type absolute bool

func (a absolute) eval(any) bool { return bool(a) }

// leaf is a key (or enrichment) compared by a condition.
type leaf struct {
	key    keySpec
	pred   predicate
	filter bool // InlineFilters semantics: a missing field passes
}

func (l *leaf) eval(root any) bool {
	if !l.key.wild {
		v, ok := l.key.get(root)
		if !ok {
			if l.filter && !l.pred.spec.existence {
				return true
			}
			return l.pred.spec.negate
		}
		return l.pred.test(v) != l.pred.spec.negate
	}
	present := false
	hit := l.key.each(root, func(v any) bool {
		present = true
		return l.pred.test(v)
	})
	if !present && l.filter && !l.pred.spec.existence {
		return true
	}
	return hit != l.pred.spec.negate
}

// multiKey compares the values of two keys of the same event.
type multiKey struct {
	left, right keySpec
	spec        condSpec
}

func (m *multiKey) eval(root any) bool {
	hit := m.left.each(root, func(lv any) bool {
		return m.right.each(root, func(rv any) bool {
			return m.test(lv, rv)
		})
	})
	return hit != m.spec.negate
}

func (m *multiKey) test(lv, rv any) bool {
	if m.spec.base == baseIn {
		list, ok := rv.([]any)
		if !ok {
			return false
		}
		for _, e := range list {
			if op, ok := toOperand(e); ok && equalOperand(lv, &op, false) {
				return true
			}
		}
		return false
	}
	op, ok := toOperand(rv)
	if !ok {
		return false
	}
	return testOperand(m.spec.base, m.spec.ci, lv, &op)
}

type listKind uint8

const (
	listAny listKind = iota
	listAll
	listOnlyOne
	listNone
)

// listComp evaluates Expressions against the elements of a list.
type listComp struct {
	key  keySpec
	kind listKind
	body expr
}

func (c *listComp) eval(root any) bool {
	matches, total := 0, 0
	visit := func(e any) bool {
		total++
		if c.body.eval(e) {
			matches++
			switch c.kind {
			case listAny:
				return true
			case listOnlyOne:
				return matches > 1
			case listNone:
				return true
			}
		} else if c.kind == listAll {
			return true
		}
		return false
	}
	if c.key.wild {
		c.key.each(root, visit)
	} else if v, ok := c.key.get(root); ok {
		if list, ok := v.([]any); ok {
			for _, e := range list {
				if visit(e) {
					break
				}
			}
		}
	}
	switch c.kind {
	case listAny:
		return matches > 0
	case listAll:
		return total > 0 && matches == total
	case listOnlyOne:
		return matches == 1
	}
	return matches == 0
}
