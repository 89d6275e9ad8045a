SEEN = 0


def rule(event):
    global SEEN  # pylint: disable=global-statement
    SEEN += 1
    print(f"call {SEEN} for {event.get('id')}")
    return SEEN >= 2
