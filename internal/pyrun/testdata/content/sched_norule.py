def title(event):
    return f"row {event.get('id')} has model {event.data_model is None}"
