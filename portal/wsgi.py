"""WSGI entry point (gunicorn portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from portal.embedded_db import start_if_needed

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
start_if_needed()  # the embedded PostgreSQL, when DATABASE_URL is unset
application = get_wsgi_application()
