def rule(event):
    return event.get("match") is True


def title(event):
    return 1 / 0


def dedup(event):
    return 42
