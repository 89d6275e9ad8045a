def rule(event):
    if event.get("explode"):
        raise ValueError("boom")
    return False
