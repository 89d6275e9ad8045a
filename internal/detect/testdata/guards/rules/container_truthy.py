def rule(event):
    if not event.get("resources"):
        return False
    return True
