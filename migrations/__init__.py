"""Tortoise migrations, one package per app (see `api.db.APPS`)."""
