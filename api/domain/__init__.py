"""Domain rules as plain async functions, one module per domain. No GraphQL in here."""
