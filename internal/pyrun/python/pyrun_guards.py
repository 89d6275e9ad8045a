"""Guards: the conditions a rule() checks first, extracted so the Go side can skip the rule.

Most rules begin by comparing one field of the event with constants and returning False when
it does not match:

    def rule(event):
        if event.get("eventSource") != "s3.amazonaws.com":
            return False
        return event.get("eventName") in WATCHED and ...

For such a rule, rule() is False for every event whose eventSource is not s3.amazonaws.com,
without any side effect: the Go engine evaluates these conditions on the event it already has
and only sends to Python the events a rule may match. A guard is a list of conditions that
must all hold for rule() to possibly return True. Only conditions whose outcome is certain are
extracted:

  * the leading statements `if <cond>: return False` (the guard is `not <cond>`), and the
    leading conjuncts of the first `return <a> and <b> ...` that follows them;
  * <cond> compares one field with constants: ==, !=, in, not in, is None, is not None, or
    tests its truth (`x`, `not x`);
  * the field is read with event.get("k"[, default]), event.deep_get("k1", ...[, default=]),
    or deep_get(event, ...) when deep_get is panther_base_helpers' function;
  * constants are str, int, bool or None literals, or literal tuples, lists, sets and
    frozensets of them, or module-level names bound to such collections.

Anything else ends the guard. The Go side treats a value it cannot compare exactly as Python
would (an object, a list, JSON text) as "may match" and sends the event.
"""

import ast

_SCALARS = (str, int, bool, type(None))


def _literal(node, module):
    """Return (ok, value) for a constant node: a literal or a module-level collection name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, _SCALARS):
        return True, node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        out = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, _SCALARS)):
                return False, None
            out.append(elt.value)
        return True, out
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("set", "frozenset", "tuple", "list") \
            and len(node.args) == 1 and not node.keywords:
        return _literal(node.args[0], module)
    if isinstance(node, ast.Name):
        value = getattr(module, node.id, None)
        if isinstance(value, (set, frozenset, tuple, list)) and all(isinstance(v, _SCALARS) for v in value):
            return True, list(value)
    return False, None


def _field(node, param, module):
    """Return (path, default, ok) for an expression reading one event field."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
        return None, None, False
    func = node.func
    args = node.args
    default = None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == param:
        if func.attr == "get" and 1 <= len(args) <= 2 and not node.keywords:
            keys = args[:1]
            if len(args) == 2:
                ok, default = _literal(args[1], None)
                if not ok or isinstance(default, list):
                    return None, None, False
        elif func.attr == "deep_get":
            keys = args
        else:
            return None, None, False
    elif isinstance(func, ast.Name) and func.id == "deep_get" and args and isinstance(args[0], ast.Name) \
            and args[0].id == param:
        helper = getattr(module, "deep_get", None)
        if getattr(helper, "__module__", None) != "panther_base_helpers":
            return None, None, False
        keys = args[1:]
    else:
        return None, None, False
    if func_attr(func) != "get":
        for kw in node.keywords:
            if kw.arg != "default":
                return None, None, False
            ok, default = _literal(kw.value, None)
            if not ok or isinstance(default, list):
                return None, None, False
    path = []
    for k in keys:
        if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
            return None, None, False
        path.append(k.value)
    if not path:
        return None, None, False
    return path, default, True


def func_attr(func):
    return func.attr if isinstance(func, ast.Attribute) else None


_NEGATE = {"eq": "ne", "ne": "eq", "in": "notin", "notin": "in", "none": "notnone", "notnone": "none",
           "truthy": "falsy", "falsy": "truthy"}


def _condition(node, param, module):
    """Return a condition dict for a simple test, or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _condition(node.operand, param, module)
        if inner is None:
            return None
        inner["op"] = _NEGATE[inner["op"]]
        return inner
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op = node.ops[0]
        left, right = node.left, node.comparators[0]
        path, default, ok = _field(left, param, module)
        if not ok:
            # constant on the left of == or != is the same test
            path, default, ok = _field(right, param, module)
            if not ok or not isinstance(op, (ast.Eq, ast.NotEq)):
                return None
            left, right = right, left
        okc, const = _literal(right, module)
        if not okc:
            return None
        cond = {"path": path, "default": default}
        if isinstance(op, (ast.Eq, ast.NotEq)) and not isinstance(const, list):
            cond.update(op="eq" if isinstance(op, ast.Eq) else "ne", values=[const])
        elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(const, list):
            cond.update(op="in" if isinstance(op, ast.In) else "notin", values=const)
        elif isinstance(op, (ast.Is, ast.IsNot)) and const is None:
            cond.update(op="none" if isinstance(op, ast.Is) else "notnone", values=[])
        else:
            return None
        return cond
    path, default, ok = _field(node, param, module)
    if ok:
        return {"path": path, "default": default, "op": "truthy", "values": []}
    return None


def _conjuncts(node):
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        out = []
        for v in node.values:
            out.extend(_conjuncts(v))
        return out
    return [node]


def extract(module, source):
    """Return the guard of the module's rule() as a list of condition dicts (maybe empty)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    fn = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "rule":
            fn = node
    if fn is None or fn.decorator_list or len(fn.args.args) != 1 or fn.args.vararg or fn.args.kwarg:
        return []
    code = getattr(getattr(module, "rule", None), "__code__", None)
    if code is None or code.co_firstlineno != fn.lineno:
        return []  # rule is not (or no longer) this function
    param = fn.args.args[0].arg
    guard = []
    for stmt in fn.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue  # docstring
        if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 \
                and isinstance(stmt.body[0], ast.Return) and isinstance(stmt.body[0].value, ast.Constant) \
                and stmt.body[0].value.value is False:
            # if A or B: return False  ==>  not A and not B
            tests = stmt.test.values if isinstance(stmt.test, ast.BoolOp) and isinstance(stmt.test.op, ast.Or) else [stmt.test]
            conds = []
            for t in tests:
                c = _condition(t, param, module)
                if c is None:
                    break
                c["op"] = _NEGATE[c["op"]]
                conds.append(c)
            # Conditions before the first one that is not simple are still certain: A or B
            # evaluates A first, and if A holds the rule returns False.
            guard.extend(conds)
            if len(conds) != len(tests):
                return guard
            continue
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            for c in _conjuncts(stmt.value):
                cond = _condition(c, param, module)
                if cond is None:
                    break
                # A conjunct's own value is returned when it is falsy: only comparisons (which
                # are bool) may end the rule with a proper False.
                if cond["op"] in ("truthy", "falsy"):
                    break
                guard.append(cond)
        break
    return guard
