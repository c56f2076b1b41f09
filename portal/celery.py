"""Celery application: configured from Django settings (namespace CELERY), tasks autodiscovered."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Without CELERY_BROKER_URL tasks run eagerly, yet `delay()` still opens a producer to
# serialise their arguments; left unconfigured, kombu would set up its default AMQP transport
# and log "No hostname was supplied" on every command that queues a task (seed_demo's
# suspension does). The in-process transport is what eager mode stands for anyway.
IN_PROCESS_BROKER = "memory://localhost/"


@app.on_after_configure.connect
def _in_process_broker_when_eager(sender: Celery, **kwargs: Any) -> None:
    if not sender.conf.broker_url:
        sender.conf.update(broker_url=IN_PROCESS_BROKER)


@worker_init.connect
def _start_embedded_database(**kwargs: Any) -> None:
    # A worker without DATABASE_URL uses the embedded PostgreSQL. Started here, not at import:
    # importing this module (settings, the web process) must not start a server.
    from portal.embedded_db import start_if_needed

    start_if_needed()


@app.task(name="portal.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check used by readiness tooling and tests."""
    return value
