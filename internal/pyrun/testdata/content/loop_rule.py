def rule(event):
    if event.get("loop"):
        while True:
            pass
    return event.get("hit") is True
