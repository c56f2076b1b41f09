"""Demo data for `manage.py seed_demo`; nothing at run time imports it."""
