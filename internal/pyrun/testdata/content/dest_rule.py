def rule(event):
    return True


def destinations(event):
    return ["slack-secops", "pager"]
