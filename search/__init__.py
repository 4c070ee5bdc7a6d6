"""Meilisearch: index settings, documents, the outbox worker, queries and tenant tokens."""
