def rule(event):
    return event.udm("source_ip") == "10.0.0.1"


def title(event):
    return f"{event.udm('actor')} via {event.udm_path('source_ip')} and {event.udm_path('actor')}"


def alert_context(event):
    return {"nested": event.udm("nested"), "fallback": event.udm("p_custom"), "items": event.udm("item_names")}
