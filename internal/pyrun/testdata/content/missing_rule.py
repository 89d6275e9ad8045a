def title(event):
    return "no rule function here"
