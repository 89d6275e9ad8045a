def rule(event):
    return True


def alert_context(event):
    return {
        "all": event.deep_walk("records", "tags", "key"),
        "first": event.deep_walk("records", "tags", "key", return_val="first"),
        "last": event.deep_walk("records", "tags", "key", return_val="last"),
        "single": event.deep_walk("records", "only"),
        "missing": event.deep_walk("records", "nope", default="dflt"),
        "bogus": event.deep_walk("records", "tags", "key", return_val="bogus"),
        "deep_get_none": event.deep_get("nullish", default="was-none"),
        "deep_get_falsy": event.deep_get("zero", default="unused"),
    }
