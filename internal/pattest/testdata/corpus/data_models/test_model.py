def get_actor(event):
    return event.get("who")
