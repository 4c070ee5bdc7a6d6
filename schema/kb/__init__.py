"""Knowledge base: categories, articles with revisions and diffs, the resource library."""

from schema.kb.mutations import Mutation
from schema.kb.queries import Query

__all__ = ["Mutation", "Query"]
