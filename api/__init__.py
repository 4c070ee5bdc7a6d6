"""Guildhall's application core: settings, models, domain rules, the ASGI app and the CLI.

Nothing under `api/` imports strawberry; the GraphQL layer lives in `schema/`.
"""
