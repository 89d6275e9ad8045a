def rule(row):
    return row.get("failures", 0) > 10
