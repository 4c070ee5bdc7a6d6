"""Trust levels (see `levels`, `limits`)."""
