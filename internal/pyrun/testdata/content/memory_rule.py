def rule(event):
    if event.get("big"):
        blob = bytearray(10 * 1024 * 1024 * 1024)
        return len(blob) > 0
    return event.get("hit") is True
