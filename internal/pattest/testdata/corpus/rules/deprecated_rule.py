def rule(event):
    return False
