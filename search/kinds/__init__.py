"""Document kinds of each domain (registered on import through `api.wiring`)."""
