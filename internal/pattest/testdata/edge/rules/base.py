def rule(event):
    return event.get("hit") is True
