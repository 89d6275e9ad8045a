import not_a_real_module  # noqa: F401


def rule(event):
    return True
