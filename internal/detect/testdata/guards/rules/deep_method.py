def rule(event):
    if event.deep_get("userIdentity", "type") != "Root":
        return False
    if event.deep_get("userIdentity", "invokedBy"):
        return False
    return True
