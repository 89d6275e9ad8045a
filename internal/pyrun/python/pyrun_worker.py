"""pyrun worker: evaluates Panther detections for the Go driver (internal/pyrun).

Protocol: frames on the original stdin/stdout, each a 4-byte big-endian
length followed by a JSON document. The first request is "load"; then
"eval" (live evaluation of batches) and "test" (unit tests of one
detection) requests follow, each answered by exactly one frame. The worker
moves the protocol to private file descriptors at start, so a detection
that prints (or a C extension writing to fd 1) cannot corrupt the stream:
fd 1 is pointed at stderr and fd 0 at /dev/null.

Progress: argv[1] names a 16-byte file that is memory-mapped and holds four
uint32 values: request sequence, event (or test) index, detection index and
function code. The worker updates it before every call, the timeout
watchdog (SIGALRM) compares it between ticks, and the Go driver reads it
after a crash to learn which (event, detection) pair was running.
"""

# pylint: disable=broad-except,too-many-locals,too-many-branches,too-many-statements,global-statement

import contextlib
import copy
import importlib.abc
import importlib.util
import io
import json
import linecache
import mmap
import os
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Mapping
from unittest.mock import MagicMock, patch

import pyrun_guards

NONE = 0xFFFFFFFF
MAX_FIELD = 1000
MAX_DEDUP = 1000
SUFFIX = "... (truncated)"
MAX_ALERT_CONTEXT = 200 * 1024
MAX_DESTINATIONS = 10
SEVERITIES = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
AUX_ORDER = ("title", "description", "reference", "severity", "runbook", "destinations", "dedup", "alert_context", "unique")
AUX_BIT = {name: 1 << i for i, name in enumerate(AUX_ORDER)}
FN_CODE = {"rule": 0, "policy": 0}
FN_CODE.update({name: i + 1 for i, name in enumerate(AUX_ORDER)})
FAKE_DEST_NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def _setup_fds():
    """Move the protocol to private descriptors; return (reader, writer)."""
    proto_in = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, "r", encoding="utf-8")  # pylint: disable=consider-using-with
    sys.stdout = sys.stderr
    return proto_in, proto_out


PROTO_IN, PROTO_OUT = _setup_fds()

# The package directory holding panther_core is this file's directory, which
# Python already put first on sys.path.
from panther_core.data_model import DataModel  # noqa: E402  pylint: disable=wrong-import-position
from panther_core.enriched_event import PantherEvent  # noqa: E402  pylint: disable=wrong-import-position
from panther_core.exceptions import (  # noqa: E402  pylint: disable=wrong-import-position
    DetectionTimeoutError,
    FunctionReturnTypeError,
    UnknownDestinationError,
)
from panther_core.immutable import (  # noqa: E402  pylint: disable=wrong-import-position
    ImmutableCaseInsensitiveDict,
    ImmutableList,
    json_encoder,
)


def _open_progress(path):
    fd = os.open(path, os.O_RDWR)
    try:
        mm = mmap.mmap(fd, 16)
    finally:
        os.close(fd)
    return mm, memoryview(mm).cast("I")


_PROG_MM, PROG = _open_progress(sys.argv[1])


class Watchdog:
    """Raises DetectionTimeoutError in a call whose progress did not move for the timeout."""

    TICKS = 10

    def __init__(self):
        self.timeout = 15.0
        self.last = None
        self.count = 0
        signal.signal(signal.SIGALRM, self._tick)

    def _tick(self, _signum, _frame):
        cur = (PROG[0], PROG[1], PROG[2], PROG[3])
        if cur != self.last:
            self.last = cur
            self.count = 0
            return
        self.count += 1
        if self.count >= self.TICKS and PROG[2] != NONE:
            self.count = 0
            self.last = None
            raise DetectionTimeoutError(f"call exceeded the timeout of {self.timeout:g}s")

    def arm(self):
        """Start ticking; the timeout applies to every call from now on."""
        self.last = None
        self.count = 0
        if self.timeout > 0:
            tick = self.timeout / self.TICKS
            signal.setitimer(signal.ITIMER_REAL, tick, tick)

    @staticmethod
    def disarm():
        """Stop ticking."""
        signal.setitimer(signal.ITIMER_REAL, 0)


WATCHDOG = Watchdog()


class SourceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves global helper modules (by GlobalID) from source text."""

    def __init__(self):
        self.modules = {}

    def find_spec(self, fullname, path=None, target=None):  # pylint: disable=unused-argument
        """Return a spec for a known global helper, or None."""
        entry = self.modules.get(fullname)
        if entry is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=entry[0])

    def create_module(self, spec):  # pylint: disable=unused-argument
        """Use the default module object."""
        return None

    def exec_module(self, module):
        """Run the helper's source in the module namespace."""
        path, source = self.modules[module.__name__]
        module.__file__ = path
        exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)  # pylint: disable=exec-used


class StringLoader(importlib.abc.Loader):
    """Loads one module from source text, with tracebacks naming its path."""

    def __init__(self, source, path):
        self.source = source
        self.path = path

    def create_module(self, spec):  # pylint: disable=unused-argument
        """Use the default module object."""
        return None

    def exec_module(self, module):
        """Run the source in the module namespace."""
        exec(compile(self.source, self.path, "exec", dont_inherit=True), module.__dict__)  # pylint: disable=exec-used


def _register_source(path, source):
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)


def load_module(name, path, source):
    """Load a module from source without registering it in sys.modules."""
    _register_source(path, source)
    spec = importlib.util.spec_from_file_location(name, path, loader=StringLoader(source, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fmt(exc):
    return f"{type(exc).__name__}: {exc}"


def _setup_error(exc, path):
    """Describe a load failure with file and line."""
    line = 0
    if isinstance(exc, SyntaxError) and exc.filename == path:
        line = exc.lineno or 0
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename == path]
    if own:
        line = own[-1].lineno
    where = f"{path}:{line}: " if line else f"{path}: "
    chosen = [f for f in frames if not f.filename.startswith("<frozen") and f.filename != __file__]
    tb = "".join(traceback.format_list(chosen[-5:])) if chosen else ""
    rec = {"type": type(exc).__name__, "msg": str(exc), "line": line, "tb": tb, "fn": "setup", "text": where + _fmt(exc)}
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        rec["module"] = exc.name
    return rec


class Detection:
    """One loaded detection."""

    def __init__(self, idx, spec):
        self.idx = idx
        self.id = spec["id"]
        self.kind = spec["kind"]
        self.path = spec["path"] or f"<{self.id}>"
        self.source = spec["source"]
        self.policy = self.kind == "policy"
        self.scheduled = self.kind == "scheduled_rule"
        self.matcher = "policy" if self.policy else "rule"
        self.alert_value = not self.policy
        self.quiet_value = self.policy
        self.module = None
        self.fn = None
        self.aux = []
        self.error = None
        self.guard = []
        self.load()

    def load(self):
        """Import the module and resolve the matcher and aux functions."""
        try:
            module = load_module(self.id, self.path, self.source)
            if not hasattr(module, self.matcher):
                if self.scheduled:
                    self.fn = _always_true
                else:
                    raise AssertionError(f"detection needs to have a method named '{self.matcher}'")
            else:
                self.fn = getattr(module, self.matcher)
            self.module = module
            self.aux = [(name, getattr(module, name)) for name in AUX_ORDER if hasattr(module, name)]
            if self.kind == "rule":
                try:
                    self.guard = pyrun_guards.extract(module, self.source)
                except Exception:  # a guard is an optimisation: never let it break loading
                    self.guard = []
        except BaseException as exc:
            self.error = _setup_error(exc, self.path)


def _always_true(_event):
    return True


STATE = {"dets": [], "dms": {}, "profile": False, "errors": {}}


def _truncate(value, limit):
    if len(value) > limit:
        return value[: limit - len(SUFFIX)] + SUFFIX
    return value


def _type_error(det_id, fn_name, value, expected):
    return FunctionReturnTypeError(
        f"detection [{det_id}] function [{fn_name}] returned [{type(value).__name__}], expected [{expected}]"
    )


def _check_str(det, name, value):
    if not isinstance(value, str):
        raise _type_error(det.id, name, value, "str")
    return value


def _check_dest_list(det, name, value):
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, (str, bool)) for x in value):
        raise FunctionReturnTypeError(
            f"detection [{det.id}] function [{name}] returned [{type(value).__name__}], expected a list"
        )
    return value


def _serialize_context(det, name, value):
    if not isinstance(value, Mapping):
        raise _type_error(det.id, name, value, "Mapping")
    text = json.dumps(value, default=json_encoder, allow_nan=False)
    if len(text) > MAX_ALERT_CONTEXT:
        return json.dumps(
            {
                "_error": f"alert_context size is [{len(text)}] characters,"
                f" bigger than maximum of [{MAX_ALERT_CONTEXT}] characters"
            }
        )
    return text


def _error_record(det, exc, fn):
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename == det.path]
    chosen = own or [f for f in frames if f.filename != __file__][-1:]
    return {
        "type": type(exc).__name__,
        "msg": str(exc),
        "line": own[-1].lineno if own else 0,
        "tb": "".join(traceback.format_list(chosen)),
        "fn": fn,
    }


def _aux_batch(det, event, only=0):
    """Run the defined aux functions of a match, production style (only: those of the mask)."""
    out = {}
    prog = PROG
    for name, fn in det.aux:
        if only and not only & AUX_BIT[name]:
            continue
        prog[3] = FN_CODE[name]
        try:
            value = fn(event)
            if name == "severity":
                value = _check_str(det, name, value).upper()
                if value not in SEVERITIES and value != "DEFAULT":
                    raise AssertionError(
                        "Expected severity to be any of the following: [%s], got [%s] instead."
                        % (str(SEVERITIES), value)
                    )
            elif name == "destinations":
                value = _check_dest_list(det, name, value)
                if value is not None:
                    value = [str(v) for v in value]
            elif name == "alert_context":
                value = _serialize_context(det, name, value)
            elif name == "dedup" or name == "unique":
                value = _truncate(_check_str(det, name, value), MAX_DEDUP)
            else:
                value = _truncate(_check_str(det, name, value), MAX_FIELD)
            out[name] = value
        except BaseException as exc:
            out[name + "!"] = _fmt(exc)
            if name == "alert_context":
                out[name] = json.dumps({"_error": repr(exc)})
    prog[3] = 0
    return out


def op_load(msg):
    """Load globals, data models and detections; report setup errors."""
    limit = int(msg.get("memory_limit") or 0)
    WATCHDOG.timeout = float(msg.get("timeout") or 0)
    STATE["profile"] = bool(msg.get("profile"))
    errors = {}
    finder = SourceFinder()
    for g in msg.get("globals") or []:
        path = g["path"] or f"<{g['name']}>"
        _register_source(path, g["source"])
        finder.modules[g["name"]] = (path, g["source"])
    sys.meta_path.append(finder)
    if limit > 0:
        import resource  # pylint: disable=import-outside-toplevel

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    dms = {}
    for dm in msg.get("data_models") or []:
        try:
            module = None
            if dm.get("module"):
                mod = dm["module"]
                module = load_module(mod["name"], mod["path"] or f"<{mod['name']}>", mod["source"])
            model = DataModel(dm["id"], dm.get("mappings") or [], module, dm.get("log_types"))
        except BaseException as exc:
            path = (dm.get("module") or {}).get("path") or dm["id"]
            errors[dm["id"]] = _setup_error(exc, path)
            continue
        for log_type in dm.get("log_types") or []:
            dms[log_type] = model
    dets = [Detection(i, spec) for i, spec in enumerate(msg.get("detections") or [])]
    for det in dets:
        if det.error is not None:
            errors[det.id] = det.error
    STATE["dets"] = dets
    STATE["dms"] = dms
    STATE["errors"] = errors
    return {
        "pid": os.getpid(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "errors": errors,
        "guards": {det.id: det.guard for det in dets if det.guard and det.error is None},
    }


def op_eval(msg):
    """Evaluate a batch of events; return matches and errors only."""
    prog = PROG
    prog[0] = msg["seq"]
    prog[1] = NONE
    prog[2] = NONE
    prog[3] = 0
    dets = STATE["dets"]
    # A set entry is a detection index, or [index, aux mask] to run only those aux functions.
    sets = [[(dets[e], 0) if isinstance(e, int) else (dets[e[0]], e[1]) for e in s] for s in msg["sets"]]
    skip = {(p[0], p[1]) for p in msg.get("skip") or ()}
    matches = []
    errors = []
    timing = {}
    WATCHDOG.arm()
    try:
        if skip or STATE["profile"] or any(det.kind != "rule" or det.error is not None for s in sets for det, _ in s):
            _eval_general(msg["events"], sets, skip, matches, errors, timing)
        else:
            _eval_rules(msg["events"], sets, matches, errors)
    finally:
        WATCHDOG.disarm()
        prog[2] = NONE
    resp = {"seq": msg["seq"], "m": matches, "e": errors}
    if timing:
        resp["t"] = [[k, v] for k, v in timing.items()]
    return resp


def _eval_rules(events, sets, matches, errors):
    """The hot loop: plain rules only, no skips, no profiling."""
    prog = PROG
    dms_get = STATE["dms"].get
    adopt = PantherEvent._adopt  # pylint: disable=protected-access
    plans = [[(det.idx, det.fn, det, only) for det, only in s] for s in sets]
    for ei, (si, raw) in enumerate(events):
        if si < 0:
            continue
        prog[1] = ei
        event = adopt(raw, dms_get(raw.get("p_log_type")))
        for di, fn, det, only in plans[si]:
            prog[2] = di
            if only:
                matches.append([ei, di, _aux_batch(det, event, only)])
                continue
            try:
                out = fn(event)
            except BaseException as exc:
                errors.append([ei, di, _error_record(det, exc, "rule")])
                continue
            if out is True:
                matches.append([ei, di, _aux_batch(det, event)])
            elif out is not False:
                errors.append([ei, di, _error_record(det, _type_error(det.id, "rule", out, "bool"), "rule")])


def _eval_general(events, sets, skip, matches, errors, timing):
    """The full loop: policies, scheduled rules, setup errors, skips and profiling."""
    prog = PROG
    dms = STATE["dms"]
    profile = STATE["profile"]
    clock = time.perf_counter_ns
    adopt = PantherEvent._adopt  # pylint: disable=protected-access
    start = 0
    for ei, (si, raw) in enumerate(events):
        if si < 0:
            continue
        prog[1] = ei
        event = None
        plain = None
        for det, only in sets[si]:
            di = det.idx
            prog[2] = di
            if skip and (ei, di) in skip:
                continue
            if det.error is not None:
                errors.append([ei, di, det.error])
                continue
            if only:
                if event is None:
                    event = adopt(raw, dms.get(raw.get("p_log_type")))
                if profile:
                    start = clock()
                matches.append([ei, di, _aux_batch(det, event, only)])
                if profile:
                    timing[di] = timing.get(di, 0) + clock() - start
                continue
            if det.policy:
                arg = copy.deepcopy(raw)
            elif det.scheduled:
                if plain is None:
                    plain = adopt(raw, None)
                arg = plain
            else:
                if event is None:
                    event = adopt(raw, dms.get(raw.get("p_log_type")))
                arg = event
            if profile:
                start = clock()
            try:
                out = det.fn(arg)
            except BaseException as exc:
                errors.append([ei, di, _error_record(det, exc, det.matcher)])
            else:
                if out is det.alert_value:
                    matches.append([ei, di, _aux_batch(det, arg)])
                elif out is not det.quiet_value:
                    errors.append(
                        [ei, di, _error_record(det, _type_error(det.id, det.matcher, out, "bool"), det.matcher)]
                    )
            if profile:
                timing[di] = timing.get(di, 0) + clock() - start


class TestRun:  # pylint: disable=too-many-instance-attributes
    """The outputs and exceptions of one detection run in test mode."""

    def __init__(self):
        self.output = None
        self.exc = None
        self.trigger = False
        self.aux_out = {}
        self.aux_exc = {}


def _run_test_mode(det, module, event, dests):
    """Run a detection like panther_core with batch_mode=False."""
    prog = PROG
    run = TestRun()
    prog[3] = 0
    try:
        if det.scheduled and not hasattr(module, "rule"):
            run.output = True
        else:
            fn = getattr(module, det.matcher)
            value = fn(event)
            if not isinstance(value, bool):
                raise _type_error(det.id, getattr(fn, "__name__", det.matcher), value, "bool")
            run.output = value
    except BaseException as exc:
        run.exc = exc
    run.trigger = run.output is det.alert_value
    defined = det.test_defined
    for name in AUX_ORDER:
        if name == "dedup" and name not in defined:
            title = run.aux_out.get("title")
            run.aux_out["dedup"] = title if title else f"defaultDedupString:{det.id}"
            continue
        if name not in defined:
            continue
        prog[3] = FN_CODE[name]
        try:
            fn = getattr(module, name)
            value = fn(event)
            if name == "severity":
                value = _check_str(det, name, value).upper()
                if value == "DEFAULT":
                    value = None
                elif value not in SEVERITIES:
                    raise AssertionError(
                        "Expected severity to be any of the following: [%s], got [%s] instead."
                        % (str(SEVERITIES), value)
                    )
            elif name == "destinations":
                value = _check_dest_list(det, name, value)
                if value is not None:
                    value = _standardize_destinations(value, dests)
            elif name == "alert_context":
                value = _serialize_context(det, name, value)
            elif name == "dedup":
                value = _check_str(det, name, value)
                value = _truncate(value, MAX_DEDUP) if value else f"defaultDedupString:{det.id}"
            elif name == "unique":
                value = _truncate(_check_str(det, name, value), MAX_DEDUP)
            else:
                value = _truncate(_check_str(det, name, value), MAX_FIELD)
            run.aux_out[name] = value
        except BaseException as exc:
            run.aux_exc[name] = exc
    prog[3] = 0
    return run


def _standardize_destinations(values, dests):
    if len(values) == 0:
        return ["SKIP"]
    invalid = []
    out = []
    for value in values:
        if value in dests and dests[value] not in out:
            out.append(dests[value])
        elif value not in dests:
            invalid.append(value)
    if invalid:
        raise UnknownDestinationError("Invalid Destinations", invalid)
    return out[:MAX_DESTINATIONS]


# PAT prints function results in the field order of TestResultsPerFunction.
PRINT_ORDER = (
    ("title", "title"),
    ("dedup", "dedup"),
    ("alert_context", "alertContext"),
    ("description", "description"),
    ("reference", "reference"),
    ("severity", "severity"),
    ("runbook", "runbook"),
    ("destinations", "destinations"),
    ("unique", "unique"),
)
SUPPRESSED = {"dedup", "destinations", "runbook", "title", "severity", "description", "reference", "unique"}


def _printable(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _interpret(det, test, run, strict_dests):
    """Compute pass/fail and the printed function lines like PAT's TestCaseEvaluator."""
    name = test["name"]
    expected = test["expected"]
    if not strict_dests and isinstance(run.aux_exc.get("destinations"), UnknownDestinationError):
        del run.aux_exc["destinations"]
    funcs = []
    detection_out = _printable(run.output)
    if detection_out is not None or run.exc is not None:
        funcs.append([det.matcher, run.exc, expected == run.output, detection_out])
    if expected == det.alert_value:
        for key, printable in PRINT_ORDER:
            exc = run.aux_exc.get(key)
            out = _printable(run.aux_out.get(key)) if exc is None else None
            if out is None and exc is None:
                continue
            if det.suppress and key in SUPPRESSED:
                continue
            funcs.append([printable, exc, exc is None, out])
    errored = run.exc is not None or bool(run.aux_exc)
    if expected == det.alert_value:
        passed = run.trigger and not errored
    else:
        passed = expected == run.output
    lines = []
    failures = []
    for fname, exc, matched, out in funcs:
        if exc is not None:
            failures.append(f"{name}:{fname}")
            lines.append([fname, False, _fmt(exc)])
        elif not matched:
            failures.append(f"{name}:{fname}")
            lines.append([fname, False, out])
        else:
            lines.append([fname, True, out])
    return passed, lines, failures


def _one_test(det, module, test, dests, strict_dests):
    name = test["name"]
    buf = io.StringIO()
    result = {"name": name}
    try:
        entry = test.get("data")
        log_type = entry.get("p_log_type", "")
        mocks = {}
        for mock in test.get("mocks") or []:
            mocks[mock[0]] = MagicMock(return_value=mock[1])
        if det.policy:
            case = entry
        else:
            case = PantherEvent(entry, None if det.scheduled else STATE["dms"].get(log_type))
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            if mocks:
                with patch.multiple(module, **mocks):
                    run = _run_test_mode(det, module, case, dests)
            else:
                run = _run_test_mode(det, module, case, dests)
    except (AttributeError, KeyError) as err:
        result.update(passed=False, warning="AttributeError: {%s}" % err, failures=[name], funcs=[], output=buf.getvalue())
        return result
    except BaseException as err:
        result.update(
            passed=False, warning="Unexpected exception: {%s}" % err, failures=[name], funcs=[], output=buf.getvalue()
        )
        return result
    passed, lines, failures = _interpret(det, test, run, strict_dests)
    result.update(passed=passed, funcs=lines, failures=failures, output=buf.getvalue())
    return result


def op_test(msg):
    """Run the unit tests of one detection on a freshly loaded module."""
    prog = PROG
    prog[0] = msg["seq"]
    prog[1] = NONE
    prog[2] = NONE
    prog[3] = 0
    base = STATE["dets"][msg["det"]]
    det = Detection(base.idx, {"id": base.id, "kind": base.kind, "path": base.path, "source": base.source})
    if det.error is not None:
        return {"seq": msg["seq"], "setup_error": det.error}
    det.suppress = bool(msg.get("suppress"))
    det.test_defined = {name for name, _ in det.aux}
    names = msg.get("dests") or {}
    strict = bool(names)
    dests = {n: str(uuid.uuid5(FAKE_DEST_NS, n)) for n in names}
    results = []
    start = int(msg.get("start") or 0)
    WATCHDOG.arm()
    try:
        for ti, test in enumerate(msg["tests"]):
            if ti < start:
                continue
            prog[1] = ti
            prog[2] = det.idx
            results.append(_one_test(det, det.module, test, dests, strict))
    finally:
        WATCHDOG.disarm()
        prog[2] = NONE
    return {"seq": msg["seq"], "results": results}


def _tag(value, depth=0):
    """Encode a value with its exact type, for differential tests of compiled functions."""
    if depth > 60:
        return {"o": "deep"}
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return {"i": str(value)}
    if kind is float:
        return {"f": repr(value)}
    if kind is PantherEvent:
        return {"ev": _tag_items(value._container, depth)}  # pylint: disable=protected-access
    if kind is ImmutableCaseInsensitiveDict:
        return {"icd": _tag_items(value._container, depth)}  # pylint: disable=protected-access
    if kind is ImmutableList:
        return {"il": [_tag(v, depth + 1) for v in value._container]}  # pylint: disable=protected-access
    if kind is dict:
        return {"d": _tag_items(value, depth)}
    if kind is list:
        return {"l": [_tag(v, depth + 1) for v in value]}
    if kind is tuple:
        return {"t": [_tag(v, depth + 1) for v in value]}
    if kind is set:
        return {"s": [_tag(v, depth + 1) for v in value]}
    if kind is frozenset:
        return {"fs": [_tag(v, depth + 1) for v in value]}
    return {"o": kind.__name__}


def _tag_items(mapping, depth):
    return [[_tag(k, depth + 1), _tag(v, depth + 1)] for k, v in mapping.items()]


def op_call(msg):
    """Call functions of a loaded detection on events, live style (no mocks), and return each
    result with its exact type (or the exception class): the reference of the compiler's
    differential tests."""
    prog = PROG
    prog[0] = msg["seq"]
    prog[1] = NONE
    prog[2] = NONE
    prog[3] = 0
    det = STATE["dets"][msg["det"]]
    if det.error is not None:
        return {"seq": msg["seq"], "setup_error": det.error}
    fns = [getattr(det.module, name, None) for name in msg["fns"]]
    dms_get = STATE["dms"].get
    out = []
    WATCHDOG.arm()
    try:
        for ei, raw in enumerate(msg["events"]):
            prog[1] = ei
            prog[2] = det.idx
            row = []
            log_type = raw.get("p_log_type")
            model = dms_get(log_type) if isinstance(log_type, str) else None
            for fn in fns:
                event = PantherEvent._adopt(copy.deepcopy(raw), model)  # pylint: disable=protected-access
                if fn is None:
                    row.append({"exc": "AttributeError"})
                    continue
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        row.append({"v": _tag(fn(event))})
                except BaseException as exc:  # pylint: disable=broad-except
                    row.append({"exc": type(exc).__name__})
            out.append(row)
    finally:
        WATCHDOG.disarm()
        prog[2] = NONE
    return {"seq": msg["seq"], "results": out}


HANDLERS = {"load": op_load, "eval": op_eval, "test": op_test, "call": op_call}


def _read_exact(n):
    data = PROTO_IN.read(n)
    if data is None or len(data) < n:
        return None
    return data


def main():
    """Serve requests until stdin closes."""
    while True:
        header = _read_exact(4)
        if header is None:
            return
        body = _read_exact(int.from_bytes(header, "big"))
        if body is None:
            return
        seq = 0
        try:
            msg = json.loads(body)
            body = None
            seq = msg.get("seq", 0)
            resp = HANDLERS[msg["op"]](msg)
            data = json.dumps(resp, separators=(",", ":")).encode("utf-8")
        except BaseException as exc:
            WATCHDOG.disarm()
            data = json.dumps(
                {"seq": seq, "fatal": _fmt(exc) + "\n" + traceback.format_exc(limit=8)}, separators=(",", ":")
            ).encode("utf-8")
        PROTO_OUT.write(len(data).to_bytes(4, "big"))
        PROTO_OUT.write(data)
        PROTO_OUT.flush()


if __name__ == "__main__":
    main()
