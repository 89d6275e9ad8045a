import time


def rule(event):
    if event.get("stuck"):
        while True:
            try:
                time.sleep(0.05)
            except BaseException:  # noqa: B036 - this rule deliberately swallows the timeout
                pass
    return event.get("hit") is True
