import os
import signal


def rule(event):
    if event.get("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    return event.get("hit") is True
