from panther_core.enriched_event import deep_get


def get_actor(event):
    return deep_get(event, "who", "name", default="nobody").upper()
