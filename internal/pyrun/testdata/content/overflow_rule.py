def rule(event):
    return True


def title(event):
    return "T" * 1500


def alert_context(event):
    return {"big": "y" * 300000}
