def rule(event):
    return event.get("p_log_type") == "Custom.Guard"
