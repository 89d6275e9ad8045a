"""Behaviour checks of our panther_core and panther_detection_helpers against the public ones.

Each check_* function states one behaviour of the public packages (panther_core 0.11 as used by
pypanther, pypanther's helpers, panther_detection_helpers 1.0.x, PAT's test runner; see
shared/specs/detections.md sections 3 and 5) and asserts that ours behaves the same way, or,
where we differ on purpose, asserts our behaviour and says why. compat_test.go runs this file
and turns every check into a Go subtest.

Output: one JSON object per line, {"name": ..., "ok": bool, "detail": "..."}.
"""

import copy
import json
import os
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from unittest import mock

import panther_core
from panther_core import PantherEvent
from panther_core.data_model import DataModel
from panther_core.enriched_event import PantherEvent as PantherEvent2
from panther_core.exceptions import PantherError
from panther_core.immutable import ImmutableCaseInsensitiveDict, ImmutableList
from panther_detection_helpers import caching
from panther_detection_helpers.mocking import is_mock


def _event(data, dm=None):
    return PantherEvent(data, dm)


def _raises(exc_type, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc_type as exc:
        return exc
    raise AssertionError(f"expected {exc_type.__name__}")


# ---- import paths -------------------------------------------------------------------------


def check_import_paths():
    """Rules import PantherEvent from panther_core and panther_core.enriched_event, and the
    immutable types from panther_core.immutable (21 + 3 corpus files)."""
    assert PantherEvent is PantherEvent2
    assert panther_core.ImmutableList is ImmutableList
    assert panther_core.ImmutableCaseInsensitiveDict is ImmutableCaseInsensitiveDict


# ---- deep_get -----------------------------------------------------------------------------


def check_deep_get_nested():
    """deep_get walks nested mappings by key."""
    ev = _event({"a": {"b": {"c": "x"}}})
    assert ev.deep_get("a", "b", "c") == "x"


def check_deep_get_missing_default():
    """A missing step yields the default."""
    ev = _event({"a": {"b": 1}})
    assert ev.deep_get("a", "nope", "c", default="d") == "d"
    assert ev.deep_get("nope") is None


def check_deep_get_none_becomes_default():
    """A final None becomes the default (panther_core >= 0.5)."""
    assert _event({"a": None}).deep_get("a", default="d") == "d"


def check_deep_get_falsy_kept():
    """Falsy values that are not None come back as they are."""
    ev = _event({"s": "", "z": 0, "f": False, "l": []})
    assert ev.deep_get("s", default="d") == ""
    assert ev.deep_get("z", default="d") == 0
    assert ev.deep_get("f", default="d") is False
    assert ev.deep_get("l", default="d") == []


def check_deep_get_through_non_mapping():
    """Stepping into a non-mapping (a list, a string) yields the default."""
    ev = _event({"a": [{"b": 1}], "s": "str"})
    assert ev.deep_get("a", "b", default="d") == "d"
    assert ev.deep_get("s", "x", default="d") == "d"


def check_deep_get_case_insensitive():
    """deep_get goes through the event's case-insensitive get."""
    assert _event({"UserIdentity": {"Arn": "x"}}).deep_get("useridentity", "arn") == "x"


def check_deep_get_function():
    """The deep_get function (panther_base_helpers style) works on plain dicts too."""
    assert panther_core.deep_get({"a": {"b": None}}, "a", "b", default=3) == 3
    assert panther_core.deep_get({"a": {"b": 2}}, "a", "b") == 2


# ---- deep_walk ----------------------------------------------------------------------------


def check_deep_walk_fans_out_over_lists():
    """deep_walk applies the remaining keys to every list element and de-duplicates in
    first-seen order."""
    ev = _event({"r": [{"t": [{"k": "a"}, {"k": "b"}]}, {"t": [{"k": "a"}, {"k": "c"}]}]})
    assert ev.deep_walk("r", "t", "k") == ["a", "b", "c"]


def check_deep_walk_return_val():
    """return_val first / last / all, and any other value returns the string "all"."""
    ev = _event({"r": [{"k": "a"}, {"k": "b"}]})
    assert ev.deep_walk("r", "k", return_val="first") == "a"
    assert ev.deep_walk("r", "k", return_val="last") == "b"
    assert ev.deep_walk("r", "k", return_val="all") == ["a", "b"]
    assert ev.deep_walk("r", "k", return_val="bogus") == "all"


def check_deep_walk_single_unwrapped():
    """One value found comes back alone, not in a list."""
    assert _event({"r": [{"k": "a"}, {"x": 1}]}).deep_walk("r", "k") == "a"


def check_deep_walk_default():
    """Nothing found (or None, or only empty lists) yields the default."""
    ev = _event({"r": [{"x": 1}], "n": None, "e": [[], [[]]]})
    assert ev.deep_walk("r", "k", default="d") == "d"
    assert ev.deep_walk("n", default="d") == "d"
    assert ev.deep_walk("e", default="d") == "d"
    assert ev.deep_walk("missing", "k", default="d") == "d"


def check_deep_walk_flattens_one_level():
    """List results of the elements are flattened one level."""
    ev = _event({"r": [{"k": ["a", "b"]}, {"k": ["b", "c"]}]})
    assert ev.deep_walk("r", "k") == ["a", "b", "c"]


def check_deep_walk_list_of_objects_is_a_plain_list():
    """Keys that end on a list of objects return a plain list of plain dicts, so
    isinstance(x, list) holds and items have .get (GCP.Storage.Hmac.Keys.Create)."""
    ev = _event({"protoPayload": {"authorizationInfo": [{"granted": True, "permission": "p"}]}})
    got = ev.deep_walk("protoPayload", "authorizationInfo", default=[])
    assert isinstance(got, list), type(got)
    assert got[0].get("granted") is True and got[0].get("permission") == "p"


def check_deep_walk_object_is_a_plain_dict():
    """Keys that end on an object return a plain dict."""
    got = _event({"a": {"b": {"c": 1}}}).deep_walk("a", "b")
    assert isinstance(got, dict) and got == {"c": 1}


def check_deep_walk_result_does_not_alias_the_event():
    """Changing what deep_walk returned leaves the event unchanged: later rules see the
    original event."""
    ev = _event({"a": {"l": [{"x": 1}]}})
    got = ev.deep_walk("a", "l")
    got.append({"x": 2})
    got[0]["x"] = 99
    assert ev.deep_get("a", "l") == [{"x": 1}]


def check_deep_walk_function_on_dicts():
    """The deep_walk function works on plain containers like pypanther's helper."""
    data = {"a": [{"b": "x"}, {"b": "y"}]}
    assert panther_core.deep_walk(data, "a", "b") == ["x", "y"]
    assert panther_core.deep_walk(data, "a", "c", default="d") == "d"


# ---- get_val_from_list over our containers ------------------------------------------------


def _get_val_from_list(list_of_dicts, return_field_key, field_cmp_key, field_cmp_val):
    """pypanther's helper: a set of the return field of the items whose compare field equals."""
    out = set()
    for item in list_of_dicts:
        if item.get(field_cmp_key) == field_cmp_val:
            out.add(item.get(return_field_key))
    return out


def check_get_val_from_list_over_event_lists():
    """The corpus helper get_val_from_list runs on event lists: items are mappings with .get
    (case-insensitive on our side as on Panther's)."""
    ev = _event({"tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sec"}]})
    assert _get_val_from_list(ev.get("tags"), "Value", "Key", "env") == {"prod"}
    assert _get_val_from_list(ev.get("tags"), "value", "key", "team") == {"sec"}


# ---- ImmutableCaseInsensitiveDict ---------------------------------------------------------


def check_dict_exact_key_first():
    """Lookup tries the exact key first; the first original key wins on a case collision."""
    d = _event({"abc": 1, "ABC": 2, "Abd": 3})
    assert d["ABC"] == 2 and d["abc"] == 1
    assert d["aBd"] == 3


def check_dict_missing_key_raises():
    """A missing key raises KeyError; get returns the default."""
    d = _event({"a": 1})
    _raises(KeyError, lambda: d["b"])
    assert d.get("b", "x") == "x"
    _raises(KeyError, lambda: _event({})["a"])


def check_dict_contains_iter_len():
    """in is case-insensitive; iteration yields the original keys; len counts keys."""
    d = _event({"Name": 1, "other": 2})
    assert "name" in d and "NAME" in d and "nope" not in d
    assert list(d) == ["Name", "other"] and len(d) == 2
    assert list(d.keys()) == ["Name", "other"] and list(d.values()) == [1, 2]


def check_dict_equality():
    """Mapping equality against plain dicts; not hashable."""
    d = _event({"a": {"b": [1]}})
    assert d == {"a": {"b": [1]}} and d.get("a") == {"b": [1]}
    assert d != {"a": 2}
    _raises(TypeError, hash, d)


def check_dict_immutable():
    """No item assignment, deletion, update or pop."""
    d = _event({"a": 1})

    def assign():
        d["a"] = 2  # type: ignore[index]

    def delete():
        del d["a"]  # type: ignore[attr-defined]

    _raises(TypeError, assign)
    _raises((TypeError, AttributeError), delete)
    assert not hasattr(d, "update") and not hasattr(d, "pop")


def check_dict_nested_wrapping():
    """Nested dicts become ImmutableCaseInsensitiveDict (not PantherEvent: no deep_get), lists
    become ImmutableList; other values are returned as they are."""
    d = _event({"o": {"k": 1}, "l": [1, {"x": 2}], "s": "v", "n": 3})
    assert type(d["o"]) is ImmutableCaseInsensitiveDict and not hasattr(d["o"], "deep_get")
    assert isinstance(d["l"], ImmutableList) and not isinstance(d["l"], list)
    assert isinstance(d["l"][1], ImmutableCaseInsensitiveDict)
    assert d["s"] == "v" and d["n"] == 3


def check_dict_copy_to_dict():
    """copy() and to_dict() return deep, mutable plain copies."""
    d = _event({"a": {"b": [1]}})
    for c in (d.copy(), d.to_dict(), copy.copy(d), copy.deepcopy(d)):
        assert type(c) is dict
        c["a"]["b"].append(2)
    assert d.deep_get("a", "b") == [1]


def check_dict_json_encoder():
    """json.dumps needs default=json_encoder; the encoder returns the raw container."""
    d = _event({"a": {"b": [1, {"c": None}]}})
    _raises(TypeError, json.dumps, d.get("a"))
    assert json.dumps(d.get("a"), default=PantherEvent.json_encoder) == '{"b": [1, {"c": null}]}'
    assert json.dumps(d, default=panther_core.enriched_event.json_encoder).startswith('{"a"')


def check_dict_mapping_abc():
    """The containers are Mapping and Sequence for isinstance checks."""
    d = _event({"l": [1]})
    assert isinstance(d, Mapping) and isinstance(d["l"], Sequence)


# ---- ImmutableList ------------------------------------------------------------------------


def check_list_index_slice_iter():
    """Indexing and iteration wrap containers; slicing returns a plain tuple."""
    lst = _event({"l": [{"a": 1}, [2], 3]})["l"]
    assert isinstance(lst[0], ImmutableCaseInsensitiveDict) and isinstance(lst[1], ImmutableList)
    assert lst[-1] == 3
    assert isinstance(lst[0:2], tuple)
    assert [type(x).__name__ for x in lst] == ["ImmutableCaseInsensitiveDict", "ImmutableList", "int"]


def check_list_equality_contains():
    """Equal to a list or tuple with the same items; in works on raw values; unhashable."""
    lst = _event({"l": [1, "a", {"b": 2}]})["l"]
    assert lst == [1, "a", {"b": 2}] and lst == (1, "a", {"b": 2}) and lst != [1]
    assert "a" in lst and {"b": 2} in lst
    _raises(TypeError, hash, lst)


def check_list_immutable():
    """No append, no item assignment."""
    lst = _event({"l": [1]})["l"]

    def assign():
        lst[0] = 2  # type: ignore[index]

    _raises(TypeError, assign)
    assert not hasattr(lst, "append")


def check_list_copies():
    """as_list() and copy() return deep, mutable plain lists."""
    lst = _event({"l": [{"a": [1]}]})["l"]
    for c in (lst.as_list(), lst.copy()):
        assert type(c) is list
        c[0]["a"].append(2)
    assert lst[0]["a"] == [1]


# ---- PantherEvent extras -------------------------------------------------------------------


def check_event_to_dict():
    """event.to_dict() is a mutable deep copy (8 corpus files)."""
    ev = _event({"a": [1]})
    d = ev.to_dict()
    d["a"].append(2)
    assert type(d) is dict and ev["a"] == [1]


def check_event_lookup_mocked():
    """Without an injected lookup, lookup() reads _mocked_lookup_data_."""
    ev = _event({"_mocked_lookup_data_": {"tbl": {"k": {"v": 1}}}})
    assert ev.lookup("tbl", "k") == {"v": 1} and ev.lookup("tbl", "x") is None


def check_event_time_epoch():
    """event_time_epoch parses p_event_time as UTC and returns 0 when it does not parse."""
    assert _event({"p_event_time": "2024-01-02 03:04:05.000000000"}).event_time_epoch() == 1704164645
    assert _event({"p_event_time": "garbage"}).event_time_epoch() == 0
    assert _event({}).event_time_epoch() == 0


# ---- udm and data models ------------------------------------------------------------------


def _model():
    mod = type(sys)("dm_module")

    def get_actor(event):
        return panther_core.deep_get(event, "who", "name", default="nobody")

    mod.get_actor = get_actor
    return DataModel(
        "Test.DM",
        [
            {"Name": "source_ip", "Path": "$.net.src"},
            {"Name": "bare", "Path": "flat"},
            {"Name": "actor", "Method": "get_actor"},
            {"Name": "names", "Path": "$.items[*].name"},
            {"Name": "quoted", "Path": "$['a.b'].c"},
            {"Name": "indexed", "Path": "$.resources[0].arn"},
        ],
        mod,
        ["Test.Log"],
    )


def check_udm_path_mapping():
    """A Path that matches one value returns it; $.a.b chains, bare names, quoted names and
    indexes are supported."""
    ev = _event({"net": {"src": "1.2.3.4"}, "flat": "f", "a.b": {"c": 5}, "resources": [{"arn": "x"}]}, _model())
    assert ev.udm("source_ip") == "1.2.3.4"
    assert ev.udm("bare") == "f" and ev.udm("quoted") == 5 and ev.udm("indexed") == "x"


def check_udm_path_case_sensitive():
    """JSONPaths run on the raw container, so they are case-sensitive."""
    ev = _event({"NET": {"src": "1.2.3.4"}}, _model())
    assert ev.udm("source_ip") is None


def check_udm_multiple_matches_raise():
    """A Path that matches several values raises (wildcards need jsonpath_ng)."""
    try:
        import jsonpath_ng  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return
    ev = _event({"items": [{"name": "a"}, {"name": "b"}]}, _model())
    exc = _raises(Exception, ev.udm, "names")
    assert "matched multiple fields" in str(exc)
    assert _event({"items": [{"name": "a"}]}, _model()).udm("names") == "a"


def check_udm_method():
    """A Method mapping calls the data model function with the immutable event."""
    assert _event({"who": {"name": "eve"}}, _model()).udm("actor") == "eve"


def check_udm_fallback():
    """Unmapped names fall back to p_udm, then to the raw event; the first truthy value wins,
    else the default."""
    ev = _event({"p_udm": {"user": "u1"}, "user": "u2", "host": "h"}, _model())
    assert ev.udm("user") == "u1" and ev.udm("host") == "h" and ev.udm("nope", default="d") == "d"
    assert _event({"user": "raw"}).udm("user") == "raw"


def check_udm_path_helper():
    """udm_path returns the concrete path or the method name; it needs a data model."""
    ev = _event({"net": {"src": "1.2.3.4"}}, _model())
    assert ev.udm_path("source_ip") == "net.src" and ev.udm_path("actor") == "get_actor"
    assert isinstance(_raises(PantherError, _event({}).udm_path, "x"), PantherError)


# ---- panther_detection_helpers ------------------------------------------------------------


def check_cache_counter():
    """increment_counter adds and returns the count; get_counter is 0 when missing;
    reset_counter clears it."""
    assert caching.get_counter("c1") == 0
    assert caching.increment_counter("c1") == 1 and caching.increment_counter("c1", 5) == 6
    assert caching.get_counter("c1") == 6
    caching.reset_counter("c1")
    assert caching.get_counter("c1") == 0


def check_cache_counter_expiry_restarts():
    """An expired counter restarts at val."""
    caching.increment_counter("c2", 3)
    caching.set_key_expiration("c2", 1_000_000_001)  # an absolute time in 2001: expired
    assert caching.get_counter("c2", force_ttl_check=True) == 0
    assert caching.increment_counter("c2", 2) == 2


def check_cache_relative_ttl():
    """A TTL below 1,000,000,000 is relative to now; larger values are absolute epochs."""
    caching.set_key_expiration("t1", 60)
    caching.put_string_set("t1", ["a"], epoch_seconds=60)
    item = caching._get_item("t1")["Item"]  # pylint: disable=protected-access
    assert abs(item["expiresAt"] - (int(time.time()) + 60)) <= 2
    caching.put_string_set("t2", ["a"], epoch_seconds=2_000_000_000)
    assert caching._get_item("t2")["Item"]["expiresAt"] == 2_000_000_000  # pylint: disable=protected-access


def check_cache_string_sets():
    """put_string_set overwrites; add/remove return the new set; an empty put resets."""
    caching.put_string_set("s1", ["a", "b"])
    assert caching.get_string_set("s1") == {"a", "b"}
    assert caching.add_to_string_set("s1", "c") == {"a", "b", "c"}
    assert caching.add_to_string_set("s1", ["d", "a"]) == {"a", "b", "c", "d"}
    assert caching.remove_from_string_set("s1", ["a", "b"]) == {"c", "d"}
    assert caching.add_to_string_set("s1", []) == {"c", "d"}
    caching.put_string_set("s1", [])
    assert caching.get_string_set("s1") == set()


def check_cache_expired_set_removal():
    """Removing from an expired set resets it and returns an empty set."""
    caching.put_string_set("s2", ["a"], epoch_seconds=1_000_000_001)
    assert caching.remove_from_string_set("s2", "a") == set()
    assert caching.get_string_set("s2") == set()


def check_cache_put_overwrites_item():
    """A counter, a set and a dictionary under one key share one item, and put_* overwrites it."""
    caching.increment_counter("shared", 4)
    caching.put_string_set("shared", ["x"])
    assert caching.get_counter("shared") == 0 and caching.get_string_set("shared") == {"x"}


def check_cache_dictionary():
    """put_dictionary needs a mapping (TypeError) of JSON data (ValueError); get_dictionary is
    {} when missing. We also accept event sub-objects (immutable mappings), which Panther's
    json.dumps rejects: storing part of an event is the common reason to call it."""
    caching.put_dictionary("d1", {"a": [1, 2]})
    assert caching.get_dictionary("d1") == {"a": [1, 2]} and caching.get_dictionary("nope") == {}
    _raises(TypeError, caching.put_dictionary, "d2", ["not", "a", "dict"])
    _raises(ValueError, caching.put_dictionary, "d2", {"s": {1, 2}})
    caching.put_dictionary("d3", _event({"o": {"k": "v"}}).get("o"))
    assert caching.get_dictionary("d3") == {"k": "v"}


def check_cache_evaluate_threshold():
    """evaluate_threshold counts hits and, at the threshold, resets and returns True."""
    results = [caching.evaluate_threshold("th", threshold=3) for _ in range(4)]
    assert results == [False, False, True, False]


def check_cache_check_account_age():
    """check_account_age is True for a non-empty str key whose set exists and has not expired."""
    caching.put_string_set("acct", ["created"])
    assert caching.check_account_age("acct") is True
    assert caching.check_account_age("nope") is False
    assert caching.check_account_age("") is False and caching.check_account_age(None) is False


def check_is_mock():
    """mocking.is_mock tells MagicMock replacements apart."""
    assert is_mock(mock.MagicMock()) and not is_mock(len)


def main():
    failed = 0
    for name, fn in sorted(globals().items()):
        if not name.startswith("check_") or not callable(fn):
            continue
        try:
            fn()
            rec = {"name": name[len("check_") :], "ok": True, "detail": (fn.__doc__ or "").strip()}
        except BaseException:  # pylint: disable=broad-except
            failed += 1
            rec = {"name": name[len("check_") :], "ok": False, "detail": traceback.format_exc()}
        print(json.dumps(rec), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if not os.environ.get("PANTHER_KV_PATH"):
        sys.exit("PANTHER_KV_PATH must name a scratch SQLite file")
    sys.exit(main())
