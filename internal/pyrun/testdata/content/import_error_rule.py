import not_a_real_module_xyz


def rule(event):
    return True
