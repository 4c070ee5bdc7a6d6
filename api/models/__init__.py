"""Tortoise models, one module per domain, named by the domain manifests (`models=`)."""
