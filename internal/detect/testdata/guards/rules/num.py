def rule(event):
    return event.get("count") == 3
