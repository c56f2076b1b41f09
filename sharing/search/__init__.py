"""Finding reports: the full-text document of a report, and search inside visibility.

- `document`: the weighted tsvector of a report, rewritten by the report services;
- `query`: matches, facet counts, ranked pages and snippets over `visible_to(principal)`.
"""
