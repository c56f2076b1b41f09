"""manage.py seed_demo: idempotent demo countries, agencies, users, agreements and reports."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from tqdm import tqdm

from agencies.models import Agency, Country, Membership, PartnerSystem, Role, User
from agencies.services import (
    create_agency,
    create_country,
    create_partner_system,
    grant_portal_admin,
    set_membership,
)
from sharing.demo.clock import as_of
from sharing.demo.data import (
    ADMIN_USERNAME,
    AGENCIES,
    AGENCY_BY_CODE,
    AGREEMENTS,
    ALL_CATEGORIES,
    BATCH,
    CONTEXT,
    COUNTRIES,
    COUNTRY_NAMES,
    DEFAULT_REPORTS,
    DEMO_PASSWORD,
    FIRST_NAMES,
    LAST_NAMES,
    NO_AGREEMENT_COUNTRY,
    PARTNER_SYSTEMS,
    ROLE_SUFFIXES,
    PlannedReport,
    build_plan,
    username_for,
)
from sharing.models import (
    Agreement,
    AgreementState,
    Category,
    Dissemination,
    Indicator,
    Report,
    ReportState,
)
from sharing.services import (
    activate_agreement,
    create_agreement,
    create_report,
    edit_report,
    publish_report,
    retract_report,
    suspend_agreement,
)

# How long before its publication a demo report was started.
WRITING_TIME = dt.timedelta(hours=2)

# --------------------------------------------------------------------------------------------
# The command


class Command(BaseCommand):
    help = (
        "Load demo data (countries, agencies, users, agreements, published reports). "
        "Running it again adds only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reports",
            type=int,
            default=DEFAULT_REPORTS,
            help=f"How many demo reports to publish in all (default {DEFAULT_REPORTS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["reports"]
        if count < 0:
            raise CommandError("--reports must be 0 or more.")
        self.verbosity: int = options["verbosity"]
        self._password_hash: str | None = None
        started = time.perf_counter()
        categories = {c.code: c for c in Category.objects.all()}
        missing = set(ALL_CATEGORIES) - categories.keys()
        if missing:
            raise CommandError(f"Missing categories {sorted(missing)}; run migrate first.")
        countries = self._countries()
        agencies = self._agencies(countries)
        admin = self._admin()
        self._members(agencies)
        self._agreements(admin, countries, categories)
        created = self._reports(count, categories, countries, agencies)
        elapsed = time.perf_counter() - started
        if self.verbosity > 0:
            self._summary(created, elapsed)
            self._logins()

    # -- reference data ----------------------------------------------------------------------

    def _countries(self) -> dict[str, Country]:
        existing = {c.code: c for c in Country.objects.filter(code__in=COUNTRY_NAMES)}
        for code, name in COUNTRIES:
            if code not in existing:
                existing[code] = create_country(actor=None, code=code, name=name, context=CONTEXT)
        return existing

    def _agencies(self, countries: dict[str, Country]) -> dict[str, Agency]:
        existing = {a.code: a for a in Agency.objects.filter(code__in=AGENCY_BY_CODE)}
        for spec in AGENCIES:
            if spec.code not in existing:
                existing[spec.code] = create_agency(
                    actor=None,
                    code=spec.code,
                    name=spec.name,
                    short_name=spec.short_name,
                    kind=spec.kind,
                    country=countries[spec.country],
                    context=CONTEXT,
                )
        present = set(
            PartnerSystem.objects.filter(agency__code__in=AGENCY_BY_CODE).values_list(
                "agency__code", "name"
            )
        )
        for code, name, description in PARTNER_SYSTEMS:
            if (code, name) not in present:
                create_partner_system(
                    actor=None,
                    agency=existing[code],
                    name=name,
                    description=description,
                    context=CONTEXT,
                )
        return existing

    def _hashed_password(self) -> str:
        # One hash for every demo account: hashing costs about a second per call.
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def _new_user(self, username: str, **extra: Any) -> User:
        user = User.objects.create_user(username=username, password=None, **extra)
        user.password = self._hashed_password()
        user.save(update_fields=["password"])
        return user

    def _admin(self) -> User:
        admin = User.objects.filter(username__iexact=ADMIN_USERNAME).first()
        if admin is None:
            admin = self._new_user(
                ADMIN_USERNAME,
                email="admin@bix.example",
                first_name="Portal",
                last_name="Administrator",
                is_staff=True,
                is_superuser=True,
            )
        if not (admin.is_staff and admin.is_active):
            raise CommandError(
                f"User {admin.username!r} exists but is not an active staff member; "
                "the seed needs it as the portal admin."
            )
        # Held explicitly, not only through superuser status, so the user admin shows the role.
        if not admin.user_permissions.filter(
            codename="portal_admin", content_type__app_label="agencies"
        ).exists():
            admin = grant_portal_admin(admin, actor=None, context=CONTEXT)
        return admin

    def _members(self, agencies: dict[str, Agency]) -> None:
        wanted = {
            username_for(spec.code, role): (spec, role)
            for spec in AGENCIES
            for role, _ in ROLE_SUFFIXES
        }
        users = _users_named(wanted)
        for username, (spec, role) in wanted.items():
            user = users.get(username)
            if user is None:
                # Names drawn per user so adding an agency does not rename everyone else.
                rng = random.Random(username)  # noqa: S311 - demo names, not secrets
                user = self._new_user(
                    username,
                    email=f"{username}@{spec.code}.bix.example",
                    first_name=rng.choice(FIRST_NAMES[spec.country]),
                    last_name=rng.choice(LAST_NAMES[spec.country]),
                )
            if getattr(user, "membership", None) is None:
                set_membership(user, agencies[spec.code], role, actor=None, context=CONTEXT)

    def _agreements(
        self, admin: User, countries: dict[str, Country], categories: dict[str, Category]
    ) -> None:
        existing = set(
            Agreement.objects.filter(reference__in=[a.reference for a in AGREEMENTS]).values_list(
                "reference", flat=True
            )
        )
        today = timezone.localdate()
        for index, spec in enumerate(AGREEMENTS):
            if spec.reference in existing:
                continue  # its later life (amended, suspended...) belongs to the demo users
            # Created, activated and (for one) suspended together: a re-run never finds a
            # half-done agreement.
            with transaction.atomic():
                agreement = create_agreement(
                    actor=admin,
                    title=spec.title,
                    reference=spec.reference,
                    parties=[countries[c] for c in spec.parties],
                    categories=[categories[c] for c in spec.categories],
                    max_tlp=spec.max_tlp,
                    valid_from=today - dt.timedelta(days=3 * 365 - 11 * index),
                    description=spec.description,
                    context=CONTEXT,
                )
                activate_agreement(agreement, actor=admin, share_existing=True, context=CONTEXT)
                if spec.suspend_reason:
                    suspend_agreement(
                        agreement, actor=admin, reason=spec.suspend_reason, context=CONTEXT
                    )

    # -- reports -----------------------------------------------------------------------------

    def _reports(
        self,
        count: int,
        categories: dict[str, Category],
        countries: dict[str, Country],
        agencies: dict[str, Agency],
    ) -> int:
        plan = build_plan(count, timezone.localdate())
        existing = set(
            Report.objects.filter(originator_agency__code__in=AGENCY_BY_CODE).values_list(
                "originator_agency__code", "title"
            )
        )
        todo = [item for item in plan if item.key not in existing]
        if not todo:
            return 0
        authors = _users_named({item.author for item in todo})
        # Demo users may since have moved an author or deactivated an agency; publishing in
        # another agency's name would duplicate the report on every run, so those are skipped.
        writable = [
            item for item in todo if _writes_for(authors.get(item.author.lower()), item.agency)
        ]
        skipped = len(todo) - len(writable)
        if skipped and self.verbosity > 0:
            self.stderr.write(f"Skipped {skipped} report(s) whose author cannot write for it.")
        todo = writable
        progress = tqdm(
            total=len(todo),
            desc="Publishing reports",
            unit="report",
            file=sys.stderr,
            disable=self.verbosity == 0 or not sys.stderr.isatty(),
        )
        # Oldest first, so that ids follow publication times as they would have.
        todo.sort(key=lambda item: item.published_at or timezone.now())
        with progress:
            for start in range(0, len(todo), BATCH):
                # Drafts and publications commit together in batches: a re-run never meets a
                # half-written report, and a batch costs one commit instead of forty.
                with transaction.atomic():
                    for item in todo[start : start + BATCH]:
                        self._report(
                            item, authors[item.author.lower()], categories, countries, agencies
                        )
                        progress.update()
        return len(todo)

    def _report(
        self,
        item: PlannedReport,
        author: User,
        categories: dict[str, Category],
        countries: dict[str, Country],
        agencies: dict[str, Agency],
    ) -> None:
        """Written, published, edited and retracted each as of its planned instant."""
        written = (item.published_at or timezone.now()) - WRITING_TIME
        with as_of(written):
            report = create_report(
                actor=author,
                fields={**item.fields, "category": categories[item.category]},
                rel_to=[countries[c] for c in item.rel_to],
                recipients=[agencies[a] for a in item.recipients],
                indicators=item.indicators,
                context=CONTEXT,
            )
        if item.published_at is None:
            return
        with as_of(item.published_at):
            publish_report(report, actor=author, context=CONTEXT)
        if item.revision is not None:
            with as_of(item.revision.at):
                edit_report(
                    report,
                    actor=author,
                    changes=item.revision.changes,
                    change_note=item.revision.note,
                    context=CONTEXT,
                )
        if item.retracted is not None:
            at, reason = item.retracted
            with as_of(at):
                retract_report(report, actor=author, reason=reason, context=CONTEXT)

    # -- output ------------------------------------------------------------------------------

    def _summary(self, created: int, elapsed: float) -> None:
        counts = {
            "countries": Country.objects.count(),
            "agencies": Agency.objects.count(),
            "users": User.objects.count(),
            "memberships": Membership.objects.count(),
            "agreements": Agreement.objects.count(),
            "published reports": Report.objects.published().count(),
            "drafts": Report.objects.filter(state=ReportState.DRAFT).count(),
            "retracted": Report.objects.filter(state=ReportState.RETRACTED).count(),
            "indicators": Indicator.objects.count(),
            "live disseminations": Dissemination.objects.filter(revoked_at__isnull=True).count(),
        }
        suspended = Agreement.objects.filter(state=AgreementState.SUSPENDED).count()
        listed = ", ".join(f"{n} {label}" for label, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {elapsed:.1f} s ({created} new reports): {listed}"
                f" ({suspended} agreement(s) suspended)."
            )
        )

    def _logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'Portal admin':<22} {ADMIN_USERNAME}")
        for code, name in COUNTRIES:
            self.stdout.write(f"  {f'{name} ({code})':<22} {', '.join(demo_logins(code))}")
        self.stdout.write(
            "  Every agency has <code>.analyst, <code>.supervisor and <code>.admin;"
            f" {NO_AGREEMENT_COUNTRY} has no agreement."
        )


def _users_named(usernames: Iterable[str]) -> dict[str, User]:
    """Users by lower-cased username; usernames are unique ignoring case."""
    lowered = [name.lower() for name in usernames]
    matching = (
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=lowered)
        .select_related("membership__agency")
    )
    return {user.username.lower(): user for user in matching}


def _writes_for(author: User | None, agency: str) -> bool:
    membership = getattr(author, "membership", None)
    return (
        membership is not None and membership.agency.code == agency and membership.agency.is_active
    )


def demo_logins(country: str) -> list[str]:
    """A few usernames to try for one country: its first agency's three roles, then analysts."""
    codes = [a.code for a in AGENCIES if a.country == country]
    first = [username_for(codes[0], role) for role, _ in ROLE_SUFFIXES]
    return first + [username_for(code, Role.ANALYST) for code in codes[1:]]
