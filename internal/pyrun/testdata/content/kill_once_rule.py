import os
import time


def rule(event):
    fifo = event.get("fifo")
    if fifo:
        marker = fifo + ".done"
        if not os.path.exists(marker):
            with open(marker, "w", encoding="utf-8") as f:
                f.write("x")
            with open(fifo, "w", encoding="utf-8") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
    return event.get("hit") is True
