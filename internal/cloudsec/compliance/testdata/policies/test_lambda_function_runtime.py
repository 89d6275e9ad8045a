DEPRECATED = ("python2.7", "python3.6", "python3.7", "nodejs12.x", "nodejs14.x", "go1.x")


def policy(resource):
    return resource.get("Runtime") not in DEPRECATED


def severity(resource):
    if resource.get("Runtime", "").startswith("python2"):
        return "HIGH"
    return "DEFAULT"
