"""Export the syntax trees of Python modules as JSON for internal/pycompile.

Reads one JSON document on stdin: [{"name": ..., "path": ..., "source": ...}, ...] and writes
one JSON document on stdout: a list, in the same order, of {"tree": <node>} or
{"error": "<ExcType>: <message>", "line": N}. Only parsing happens here: no module is imported
or run. A node is an object with "_" (the ast class name), "@" (its line, when it has one) and
one key per field of the class (but ctx, kind and type comments); operator and context nodes,
which have no fields, are their class name as a string. Values that JSON cannot carry exactly are tagged: ints as
{"_": "int", "v": "<decimal>"}, floats as {"_": "float", "v": "<repr>"}, and strings holding
surrogates, bytes, complex numbers and Ellipsis as {"_": "unsupported", "v": "<type>"}.
"""

import ast
import json
import sys


_SKIP = {"ctx", "type_comment", "kind", "type_ignores"}


def _has_surrogate(text):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _conv(value):
    if isinstance(value, ast.AST):
        if not value._fields and not hasattr(value, "lineno"):
            return type(value).__name__  # operators and contexts: Eq, Add, Load...
        out = {"_": type(value).__name__}
        line = getattr(value, "lineno", None)
        if line is not None:
            out["@"] = line
        for field in value._fields:
            if field not in _SKIP:
                out[field] = _conv(getattr(value, field, None))
        return out
    if isinstance(value, list):
        return [_conv(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"_": "int", "v": str(value)}
    if isinstance(value, float):
        return {"_": "float", "v": repr(value)}
    if isinstance(value, str):
        if _has_surrogate(value):
            return {"_": "unsupported", "v": "str with surrogates"}
        return value
    return {"_": "unsupported", "v": type(value).__name__}


def main():
    sources = json.load(sys.stdin)
    out = []
    for src in sources:
        try:
            tree = ast.parse(src["source"], filename=src.get("path") or "<unknown>")
        except SyntaxError as exc:
            out.append({"error": f"{type(exc).__name__}: {exc.msg}", "line": exc.lineno or 0})
            continue
        except (ValueError, RecursionError, MemoryError) as exc:
            out.append({"error": f"{type(exc).__name__}: {exc}", "line": 0})
            continue
        out.append({"tree": _conv(tree)})
    sys.stdout.write(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    main()
