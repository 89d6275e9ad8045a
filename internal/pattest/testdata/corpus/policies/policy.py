def policy(resource):
    # Policies get the plain, mutable dict.
    resource["checked"] = True
    return resource.get("Encrypted") is True


def title(resource):
    return f"Bucket {resource['Name']} is not encrypted"
