"""Small assertions shared by the tests."""

from __future__ import annotations

from django.db.models import QuerySet
from django.test import Client

from agencies.models import User
from sharing import audit
from sharing.access.principals import forget
from sharing.models import AuditEvent, AuditOutcome, Report
from tests.conftest import PASSWORD


def sees(user: User, report: Report) -> bool:
    """Whether `user` may see `report` on its next request (through the one read path)."""
    forget(user)  # a request resolves its principal afresh
    return Report.objects.visible_to(user).filter(pk=report.pk).exists()


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def denials() -> QuerySet[AuditEvent]:
    """Denied attempts, read on the connection that wrote them.

    Under the `db` fixture each connection has its own test transaction, so the default
    connection cannot see what record_denial() wrote; the denials' connection can.
    """
    return AuditEvent.objects.using(audit.DENIALS_DATABASE).filter(outcome=AuditOutcome.DENIED)
