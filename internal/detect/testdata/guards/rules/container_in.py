def rule(event):
    return event.get("tags") in {"a", "b"}
