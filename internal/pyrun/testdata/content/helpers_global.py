"""A global helper module, imported by GlobalID."""

CALLS = []


def is_admin(name):
    CALLS.append(name)
    return name in ("root", "admin")
