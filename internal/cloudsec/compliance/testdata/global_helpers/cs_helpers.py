"""Helpers shared by the test policies."""


def tag_value(resource, key, default=None):
    tags = resource.get("Tags") or {}
    return tags.get(key, default)


def is_exempt(resource):
    return tag_value(resource, "compliance") == "exempt"
