def policy(resource):
    return not resource.get("PubliclyAccessible")
