"""Reports, their versions, indicators, attachments and the guardian table of their grants."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase

from agencies.models import Agency, Country, PartnerAPIKey
from sharing.models.positions import CurrentTransaction
from sharing.models.taxonomy import (
    Category,
    ContentLanguage,
    HandlingCode,
    InformationCredibility,
    Priority,
    SourceReliability,
    Tlp,
)


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


_Reports = TypeVar("_Reports", bound="models.QuerySet[Report]")


@dataclass(frozen=True)
class ReportFilters:
    """What a report list is narrowed to; None leaves a field unfiltered.

    The date range is on `published_at`: from `published_from` (inclusive) to
    `published_until` (exclusive).
    """

    category_id: int | None = None
    tlp: int | None = None
    originator_country_id: int | None = None
    priority: int | None = None
    language: str | None = None
    located: bool | None = None  # True: only reports with coordinates (the dashboard's map)
    published_from: dt.datetime | None = None
    published_until: dt.datetime | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def on_report(self) -> dict[str, Any]:
        """The filters on the report's own columns, by name (the date range aside)."""
        values = {
            "category": self.category_id,
            "tlp": self.tlp,
            "originator_country": self.originator_country_id,
            "priority": self.priority,
            "language": self.language,
            "located": self.located or None,
        }
        return {name: value for name, value in values.items() if value is not None}

    def apply(self, reports: _Reports) -> _Reports:
        """The same conditions through the ORM (a queryset already narrowed by visible_to)."""
        lookups: dict[str, Any] = {
            _ORM_FIELDS[name]: value
            for name, value in self.on_report().items()
            if name in _ORM_FIELDS
        }
        if self.located:
            lookups["latitude__isnull"] = False
        if self.published_from is not None:
            lookups["published_at__gte"] = self.published_from
        if self.published_until is not None:
            lookups["published_at__lt"] = self.published_until
        return reports.filter(**lookups)


_ORM_FIELDS = {
    "category": "category_id",
    "tlp": "tlp",
    "originator_country": "originator_country_id",
    "priority": "priority",
    "language": "language",
}


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, subject: Any) -> ReportQuerySet:
        """Reports the user or partner system may see: the one entry point of every read path.

        A single semi-join on the direct-FK group grants (no OR of subqueries, no global
        permissions): a model-level view_report never widens what anyone sees.
        """
        from sharing.access.queries import visible_to

        return visible_to(self, subject)  # type: ignore[return-value]

    def newest_visible(
        self, subject: Any, size: int, before: tuple[dt.datetime, int] | None = None
    ) -> ReportQuerySet:
        """The `size` newest published reports the subject may see, strictly before `before`.

        The same reports as `visible_to(subject).published()` in (published_at, id)
        descending order, without walking reports the subject cannot see: a list's pages
        cost about the same for a principal who sees 3% of all reports as for one who sees
        60%, and for a country party to one agreement as for one party to fifty.
        """
        from sharing.access.queries import newest_visible

        return newest_visible(self, subject, size, before)  # type: ignore[return-value]

    def filtered_newest_visible(
        self,
        subject: Any,
        filters: ReportFilters,
        size: int,
        before: tuple[dt.datetime, int] | None = None,
        scan: int | None = None,
    ) -> ReportQuerySet:
        """newest_visible narrowed by `filters` (category, marking, originator country, ...).

        Read in list order like newest_visible with the filters applied to each walk, or, when
        the filters match seldom among what the subject sees, walked by the filters' own
        indexes and probed against the subject's grants (sharing.access.queries).
        """
        from sharing.access.queries import filtered_newest_visible

        return filtered_newest_visible(self, subject, filters, size, before, scan)  # type: ignore[return-value]

    def published(self) -> ReportQuerySet:
        return self.filter(state=ReportState.PUBLISHED)


class Report(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=1000, blank=True)
    body = models.TextField(blank=True, help_text="Markdown; sanitised when rendered.")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    tlp = models.PositiveSmallIntegerField(choices=Tlp.choices, default=Tlp.AMBER)
    handling_code = models.CharField(
        max_length=2, choices=HandlingCode.choices, default=HandlingCode.H0
    )
    source_reliability = models.CharField(
        max_length=1, choices=SourceReliability.choices, default=SourceReliability.F
    )
    information_credibility = models.PositiveSmallIntegerField(
        choices=InformationCredibility.choices, default=InformationCredibility.CANNOT_JUDGE
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.ROUTINE)
    occurred_at = models.DateTimeField(null=True, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    border_sector = models.CharField(
        max_length=200, blank=True, help_text="Border sector or crossing point."
    )
    language = models.CharField(
        max_length=5,
        choices=ContentLanguage.choices,
        default=ContentLanguage.ENGLISH,
        help_text="The language the report is written in.",
    )
    originator_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports")
    # Copied from the originator agency so dissemination can be computed set-based in SQL.
    originator_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    # A person writes in the browser; a partner system writes over the API with a key and has
    # no User. Exactly one of the two is set (report_one_author). The key, not just its partner
    # system, so a leaked key's writes can be found; keys are revoked, never deleted.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authored_reports",
    )
    author_key = models.ForeignKey(
        PartnerAPIKey,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authored_reports",
    )
    rel_to = models.ManyToManyField(
        Country,
        blank=True,
        related_name="releasable_reports",
        help_text="REL TO: when set, only these partner countries may receive the report.",
    )
    recipients = models.ManyToManyField(
        Agency, blank=True, related_name="named_in_reports", help_text="Named recipient agencies."
    )
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.TextField(blank=True)
    # Full-text document: title > summary > indicators > body, in the report's language
    # (sharing.search.document). Written by the report services in their transaction.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = []  # view_report is Django's default "view" permission.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="report_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state=ReportState.DRAFT) | models.Q(published_at__isnull=False),
                name="report_published_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=ReportState.RETRACTED)
                | models.Q(retracted_at__isnull=False),
                name="report_retracted_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(author__isnull=False, author_key__isnull=True)
                | models.Q(author__isnull=True, author_key__isnull=False),
                name="report_one_author",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-published_at"], name="report_state_published"),
            models.Index(
                fields=["originator_country", "category", "tlp", "published_at"],
                name="report_dissemination_scope",
            ),
            models.Index(fields=["modified_at", "id"], name="report_feed_order"),
            # Lists are newest first (Meta.ordering): the first page walks this index.
            models.Index(fields=["-published_at", "-id"], name="report_newest_first"),
            # A filtered list's second way (filtered_newest_visible): the published reports
            # of one category, marking, country, priority or language, newest first.
            *(
                models.Index(
                    fields=[column, "-published_at", "-id"],
                    condition=models.Q(state=ReportState.PUBLISHED),
                    name=f"report_{name}_newest",
                )
                for column, name in (
                    ("category", "category"),
                    ("tlp", "tlp"),
                    ("originator_country", "country"),
                    ("priority", "priority"),
                    ("language", "language"),
                )
            ),
            GinIndex(fields=["search_vector"], name="report_search"),
            # The dashboard's counts by category over recent months, read index-only.
            models.Index(
                fields=["published_at"],
                include=["category", "id"],
                condition=models.Q(state=ReportState.PUBLISHED),
                name="report_recent_category",
            ),
            # The dashboard's map: the newest published reports that have a location.
            models.Index(
                fields=["-published_at", "-id"],
                condition=models.Q(state=ReportState.PUBLISHED, latitude__isnull=False),
                name="report_located_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == ReportState.PUBLISHED


class ReportVersion(models.Model):
    """A snapshot of a report as it was after each published edit."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    change_note = models.CharField(max_length=500, blank=True)
    # Like Report.author: a person, or the key of a partner system writing over the API.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_by_key = models.ForeignKey(
        PartnerAPIKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
            models.CheckConstraint(
                condition=models.Q(edited_by__isnull=False, edited_by_key__isnull=True)
                | models.Q(edited_by__isnull=True, edited_by_key__isnull=False),
                name="report_version_one_editor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class IndicatorType(models.TextChoices):
    PERSON_NAME = "person_name", _("Person name")
    TRAVEL_DOCUMENT = "travel_document", _("Travel document")
    VEHICLE_PLATE = "vehicle_plate", _("Vehicle plate")
    VESSEL_IMO = "vessel_imo", _("Vessel IMO number")
    VESSEL_MMSI = "vessel_mmsi", _("Vessel MMSI")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("Email address")
    IP = "ip", _("IP address")
    DOMAIN = "domain", _("Domain")
    URL = "url", _("URL")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    CRYPTO_WALLET = "crypto_wallet", _("Crypto wallet")
    ROUTE = "route", _("Route")
    OTHER = "other", _("Other")


class Indicator(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="indicators")
    type = models.CharField(max_length=20, choices=IndicatorType.choices)
    value = models.CharField(max_length=500)
    # Canonical form used for matching (case, spacing and punctuation folded by type).
    normalized = models.CharField(max_length=500)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "type", "normalized"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "type", "normalized"], name="indicator_unique_in_report"
            ),
            models.CheckConstraint(
                condition=~models.Q(normalized=""), name="indicator_normalized_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["type", "normalized"], name="indicator_match")]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.value}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under an opaque name; the original name is kept in the row only.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "filename"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="attachment_sha256_hex"
            ),
        ]
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return self.filename


class ReportGroupObjectPermission(GroupObjectPermissionBase):
    """Direct-FK group grants: the table every read path filters on.

    Ten million rows at a million reports: every index costs on each grant and revocation, so
    the single-column foreign-key indexes are left out; the unique (group, permission, object)
    index and report_grant_probe cover every lookup.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, db_index=False)
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(Report, on_delete=models.CASCADE, db_index=False)
    # The report's published_at while it is published (NULL for drafts and retracted
    # reports), so a principal's newest reports are read from its groups' grants in list order.
    published_at = models.DateTimeField(null=True, blank=True)
    # The transaction that last changed what the group's members should hear about this
    # report: the grant itself, or the report or its audience (sharing.access.mark_changed).
    # Feeds read a principal's grants in this order (sharing.feeds).
    feed_xid = models.BigIntegerField(db_default=CurrentTransaction())

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            # Makes the visible_to semi-join an index-only probe for several groups, and the
            # feed's "is there a later grant of this report" one too.
            models.Index(
                fields=["content_object", "permission", "group"],
                include=["feed_xid"],
                name="report_grant_probe",
            ),
            # Newest first per group: the list's first pages (ReportQuerySet.newest_visible)
            # and removing a group's grants in batches.
            models.Index(
                fields=["group", "permission", "-published_at", "-content_object"],
                name="report_grant_newest",
            ),
            # A principal's changes in feed order, group by group (sharing.feeds).
            models.Index(
                fields=["group", "permission", "feed_xid", "content_object"],
                name="report_grant_feed",
            ),
        ]
