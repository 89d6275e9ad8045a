def rule(event):
    return event.get("bad") is not None


def title(event):
    return event["missing_key"]


def dedup(event):
    return "dedup-" + str(event.get("bad"))
