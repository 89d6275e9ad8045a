def title(event):
    return f"{event.get('rows')} rows"
