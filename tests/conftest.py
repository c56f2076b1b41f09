"""The named cast every test reuses.

Alpha (country XA) originates reports; Bravo (XB) has an active agreement with XA covering
drug trafficking and migrant smuggling up to TLP:AMBER; Charlie (XC) has no agreement at all.
Alpha-Customs is a second agency of XA. Each agency has a partner system.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connections
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from agencies.models import Agency, AgencyKind, Country, PartnerSystem, Role, User
from agencies.services import (
    create_agency,
    create_country,
    create_partner_system,
    grant_portal_admin,
    set_membership,
)
from sharing import audit, services
from sharing.constants import CATEGORIES, EVERY_AGENCY_GROUP
from sharing.models import Agreement, Category, Report, Tlp

PASSWORD = "correct horse battery staple"

DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


def _uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every database test may also use the denials' connection (sharing.audit.record_denial).

    pytest-django lets a test reach only the aliases its django_db marker names ("default"
    unless told), and any test may end in a denial, so each database test gets its marker with
    "audit" added. Under `db` the test case wraps that connection in a test transaction of its
    own: a denial outlives a rollback on the default connection, is read back through
    `tests.helpers.denials()`, and is rolled back when the test ends. Under `transactional_db`
    it is committed like every other row and the closing flush removes it.
    """
    for item in items:
        if not _uses_database(item):
            continue
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        databases = kwargs.get("databases") or ["default"]
        if databases != "__all__":
            kwargs["databases"] = sorted({*databases, audit.DENIALS_DATABASE})
        args = marker.args if marker else ()
        item.add_marker(pytest.mark.django_db(*args, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """pytest-django's, letting the flush between transactional tests empty the audit tables.

    The audit tables refuse TRUNCATE unless the database allows it (migration 0019); only the
    test database does. The denials' connection is closed before the test database is dropped.
    """
    with django_db_blocker.unblock():
        connection = connections["default"]
        with connection.cursor() as cursor:
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"ALTER DATABASE {name} SET bix.audit_truncate = 'allow'")
        connection.close()  # a new session takes the database's setting
    yield
    with django_db_blocker.unblock():
        connections[audit.DENIALS_DATABASE].close()


def pytest_configure(config: pytest.Config) -> None:
    # Without DATABASE_URL the tests use the embedded PostgreSQL, which settings only point at.
    from portal.embedded_db import start_if_needed

    start_if_needed()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2's deliberate slowness is not what these tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_tasks_unless_a_worker_runs() -> Iterator[None]:
    """Tasks run in-process, as without a broker; the celery_worker fixture turns this off."""
    from portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def categories(db: None) -> dict[str, Category]:
    """Reference data (re-created when a transactional test flushed it)."""
    Group.objects.get_or_create(name=EVERY_AGENCY_GROUP)
    for code, name, description in CATEGORIES:
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def drugs(categories: dict[str, Category]) -> Category:
    return categories["drug-trafficking"]


@pytest.fixture
def arms(categories: dict[str, Category]) -> Category:
    return categories["arms-trafficking"]


@pytest.fixture
def country_a(categories: Any) -> Country:
    return create_country(actor=None, code="XA", name="Alphaland")


@pytest.fixture
def country_b(categories: Any) -> Country:
    return create_country(actor=None, code="XB", name="Bravonia")


@pytest.fixture
def country_c(categories: Any) -> Country:
    return create_country(actor=None, code="XC", name="Charlistan")


@pytest.fixture
def alpha(country_a: Country) -> Agency:
    return create_agency(
        actor=None,
        code="alpha",
        name="Alpha Border Guard",
        kind=AgencyKind.BORDER_GUARD,
        country=country_a,
    )


@pytest.fixture
def alpha_customs(country_a: Country) -> Agency:
    return create_agency(
        actor=None,
        code="alpha-customs",
        name="Alpha Customs",
        kind=AgencyKind.CUSTOMS,
        country=country_a,
    )


@pytest.fixture
def bravo(country_b: Country) -> Agency:
    return create_agency(
        actor=None, code="bravo", name="Bravo Police", kind=AgencyKind.POLICE, country=country_b
    )


@pytest.fixture
def charlie(country_c: Country) -> Agency:
    return create_agency(
        actor=None,
        code="charlie",
        name="Charlie Coast Guard",
        kind=AgencyKind.COAST_GUARD,
        country=country_c,
    )


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(username: str, agency: Agency, role: str = Role.ANALYST) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD)
        set_membership(user, agency, role, actor=None)
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def alpha_analyst(make_member: Callable[..., User], alpha: Agency) -> User:
    return make_member("alpha.analyst", alpha)


@pytest.fixture
def alpha_supervisor(make_member: Callable[..., User], alpha: Agency) -> User:
    return make_member("alpha.supervisor", alpha, Role.SUPERVISOR)


@pytest.fixture
def alpha_customs_analyst(make_member: Callable[..., User], alpha_customs: Agency) -> User:
    return make_member("alphacustoms.analyst", alpha_customs)


@pytest.fixture
def bravo_analyst(make_member: Callable[..., User], bravo: Agency) -> User:
    return make_member("bravo.analyst", bravo)


@pytest.fixture
def bravo_supervisor(make_member: Callable[..., User], bravo: Agency) -> User:
    return make_member("bravo.supervisor", bravo, Role.SUPERVISOR)


@pytest.fixture
def charlie_analyst(make_member: Callable[..., User], charlie: Agency) -> User:
    return make_member("charlie.analyst", charlie)


@pytest.fixture
def portal_admin(db: None) -> User:
    """A staff account holding the portal-admin role, and no other privilege."""
    user = User.objects.create_user(username="portal.admin", password=PASSWORD, is_staff=True)
    grant_portal_admin(user, actor=None)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def staff_member(db: None) -> User:
    """A staff account without the portal-admin role: it may sign in to the admin, no more."""
    return User.objects.create_user(username="staff.member", password=PASSWORD, is_staff=True)


@pytest.fixture
def bravo_partner(bravo: Agency) -> PartnerSystem:
    return create_partner_system(actor=None, agency=bravo, name="Bravo case system")


@pytest.fixture
def charlie_partner(charlie: Agency) -> PartnerSystem:
    return create_partner_system(actor=None, agency=charlie, name="Charlie MISP")


@pytest.fixture
def make_agreement(portal_admin: User) -> Callable[..., Agreement]:
    def make(
        parties: list[Country],
        categories: list[Category],
        *,
        max_tlp: int = Tlp.AMBER,
        activate: bool = True,
        share_existing: bool = True,
        valid_from: dt.date | None = None,
        valid_until: dt.date | None = None,
        reference: str | None = None,
        settle: bool = True,
    ) -> Agreement:
        agreement = services.create_agreement(
            actor=portal_admin,
            title="-".join(c.code for c in parties) + " cooperation",
            reference=reference
            or f"MOU/{'-'.join(c.code for c in parties)}/{Agreement.objects.count() + 1}",
            parties=parties,
            categories=categories,
            max_tlp=max_tlp,
            valid_from=valid_from or timezone.localdate() - dt.timedelta(days=365),
            valid_until=valid_until,
        )
        if activate:
            services.activate_agreement(
                agreement, actor=portal_admin, share_existing=share_existing
            )
            if settle:  # as the task queued on commit does (tests run inside a transaction)
                services.settle_agreement(agreement.pk)
        agreement.refresh_from_db()
        return agreement

    return make


@pytest.fixture
def agreement_ab(
    make_agreement: Callable[..., Agreement],
    country_a: Country,
    country_b: Country,
    categories: dict[str, Category],
) -> Agreement:
    return make_agreement(
        [country_a, country_b],
        [categories["drug-trafficking"], categories["migrant-smuggling"]],
        max_tlp=Tlp.AMBER,
    )


@pytest.fixture
def agreement_abc(
    make_agreement: Callable[..., Agreement],
    country_a: Country,
    country_b: Country,
    country_c: Country,
    drugs: Category,
) -> Agreement:
    """A multilateral agreement of XA, XB and XC on drug trafficking, up to TLP:AMBER."""
    return make_agreement([country_a, country_b, country_c], [drugs], max_tlp=Tlp.AMBER)


@pytest.fixture
def publish(drugs: Category) -> Callable[..., Report]:
    """Create and publish a report as `author`; keyword arguments override fields."""

    def make(
        author: User,
        *,
        rel_to: list[Country] = (),  # type: ignore[assignment]
        recipients: list[Agency] = (),  # type: ignore[assignment]
        draft: bool = False,
        **fields: Any,
    ) -> Report:
        values = {
            "title": "Cocaine in banana containers",
            "category": drugs,
            "tlp": Tlp.GREEN,
            **fields,
        }
        report = services.create_report(
            actor=author, fields=values, rel_to=rel_to, recipients=recipients
        )
        if not draft:
            services.publish_report(report, actor=author)
        report.refresh_from_db()
        return report

    return make


# --------------------------------------------------------------------------------------------
# A real Celery worker on Redis, for tests where delivery is the point.

REDIS_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def _redis_is_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}@{host}{port}/{db['NAME']}"


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[str]:
    """Starts `celery worker` in a subprocess on a private queue; yields the queue name.

    Needs Redis: with CI=true a missing Redis fails the test instead of skipping it.
    """
    from portal.celery import app

    if not _redis_is_up(REDIS_URL):
        message = f"Redis is not reachable at {REDIS_URL}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    backend = REDIS_URL.rsplit("/", 1)[0] + "/1"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": backend,
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
    }
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--queues",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"{queue}@%h",
        ],
        env=env,
    )
    saved = {
        k: app.conf[k]
        for k in (
            "broker_url",
            "result_backend",
            "task_always_eager",
            "task_default_queue",
            "task_ignore_result",
        )
    }
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=backend,
        task_always_eager=False,
        task_default_queue=queue,
        task_ignore_result=False,
    )
    _reset_connections(app)
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        app.conf.update(saved)
        _reset_connections(app)


def _reset_connections(app: Any) -> None:
    """Drop the app's cached broker pools and result backend so new settings take effect."""
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Tasks queued on commit fail to reach the broker, as in an outage (nothing runs them)."""
    from portal.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    _reset_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_connections(app)
