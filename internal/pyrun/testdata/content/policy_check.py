def policy(resource):
    resource["touched"] = True
    return resource.get("Encrypted", False) is True


def title(resource):
    return f"Unencrypted {resource['Name']}"
