#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line

    from portal.embedded_db import start_if_needed

    # Without DATABASE_URL, the embedded PostgreSQL runs while this command (or another user of
    # it) does; settings only say where its socket is.
    start_if_needed()
    # What a command records says so (a request or task run by the command binds its own).
    import django

    django.setup()
    from sharing.audit import RequestContext, bound, new_request_id
    from sharing.models import AuditChannel

    command = sys.argv[1] if len(sys.argv) > 1 else ""
    context = RequestContext(
        channel=AuditChannel.COMMAND, request_id=new_request_id(), extra={"command": command}
    )
    with bound(context):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
