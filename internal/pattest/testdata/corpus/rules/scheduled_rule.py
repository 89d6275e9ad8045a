def rule(event):
    # Scheduled rules get no data model, even with p_log_type set.
    return event.get("failures", 0) > 10 and event.udm("source_ip") is None


def title(event):
    return f"{event.get('failures')} failures"
