"""REST API v1 for partner systems and browser sessions: every read starts at visible_to."""
