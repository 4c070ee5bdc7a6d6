"""Tortoise models, one module per domain. Registered per app in `api.db.APPS`."""
