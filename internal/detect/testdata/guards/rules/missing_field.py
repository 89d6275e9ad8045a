def rule(event):
    return event.get("noSuchField", "d") == "d"
