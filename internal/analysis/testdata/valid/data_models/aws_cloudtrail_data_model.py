def get_actor_user(event):
    return event.get("userIdentity", {}).get("arn")
