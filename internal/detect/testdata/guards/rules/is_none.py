def rule(event):
    if event.get("errorCode") is not None:
        return False
    return True
