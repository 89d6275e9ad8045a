def rule(event):
    return event.udm("source_ip") == "10.0.0.1"


def title(event):
    return f"{event.udm('actor')} connected from {event.udm('source_ip')}"
