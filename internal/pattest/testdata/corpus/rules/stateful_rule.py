COUNT = 0


def rule(event):
    global COUNT
    COUNT += 1
    return COUNT >= 3


def title(event):
    return f"{event.get('user')} seen {COUNT} times"
