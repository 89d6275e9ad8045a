ADMINS = ("root", "admin")


def is_admin(user):
    return user in ADMINS


def describe(event):
    return f"{event.get('user')} did {event.get('action')}"
