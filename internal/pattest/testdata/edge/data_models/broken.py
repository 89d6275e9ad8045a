raise ImportError("this data model cannot load")


def get_actor(event):
    return None
