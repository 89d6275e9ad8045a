def deep_get(dictionary, *keys, default=None):
    for key in keys:
        if not isinstance(dictionary, dict):
            return default
        dictionary = dictionary.get(key, default)
    return default if dictionary is None else dictionary
