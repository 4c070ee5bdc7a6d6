"""Knowledge base: categories, articles with revisions, and the resource library."""
