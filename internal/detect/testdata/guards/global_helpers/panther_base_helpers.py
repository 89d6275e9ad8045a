from collections.abc import Mapping


def deep_get(dictionary, *keys, default=None):
    out = dictionary
    for key in keys:
        if isinstance(out, Mapping):
            out = out.get(key, default)
        else:
            out = default
    if out is None:
        return default
    return out
