def rule(event):
    return event.get("value")
