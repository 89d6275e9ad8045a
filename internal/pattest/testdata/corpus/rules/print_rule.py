import sys


def rule(event):
    print("checking event", event.get("id"))
    print("to stderr", file=sys.stderr)
    return event.get("id") == 1
