"""The HTTP side of /graphql beyond strawberry's view: the GraphQL over HTTP specification
(media types, status codes, GET), automatic and registered persisted queries, the CSRF headers
of uploads, and per-request observation (logs, metrics, traces)."""
