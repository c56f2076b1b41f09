"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from portal.embedded_db import start_if_needed

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
start_if_needed()  # the embedded PostgreSQL, when DATABASE_URL is unset
application = get_asgi_application()
