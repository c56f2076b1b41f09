"""The legal record of who could see which report, when and why; and access requests."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Country
from sharing.models.agreements import Agreement
from sharing.models.positions import CurrentTransaction
from sharing.models.reports import Indicator, Report
from sharing.models.taxonomy import Priority


class AccessRequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AccessRequest(models.Model):
    """A hit/no-hit follow-up: an agency asks the originator for a report it cannot see."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="access_requests")
    requesting_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="access_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField()
    # From a hit/no-hit answer: the value as the requester typed it, and the holder's indicator
    # it matched (the requester is not told which report holds it until approved).
    asked_value = models.CharField(max_length=500, blank=True)
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    urgency = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.ROUTINE)
    # The response clock (ACCESS_REQUEST_RESPONSE_HOURS after the request).
    due_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=AccessRequestState.choices, default=AccessRequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A supervisor's queue: the agency's pending requests, due first.
            models.Index(
                fields=["due_at"],
                name="access_request_pending_due",
                condition=models.Q(state="pending"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "requesting_agency"],
                condition=models.Q(state="pending"),
                name="access_request_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(state="pending", decided_at__isnull=True)
                | (~models.Q(state="pending") & models.Q(decided_at__isnull=False)),
                name="access_request_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requesting_agency} -> {self.report_id} ({self.state})"


class DisseminationBasis(models.TextChoices):
    TLP_CLEAR = "tlp_clear", _("TLP:CLEAR (every agency)")
    ORIGINATOR = "originator", _("Originator agency")
    ORIGINATOR_COUNTRY = "originator_country", _("Originator's country")
    AGREEMENT = "agreement", _("Agreement")
    NAMED_RECIPIENT = "named_recipient", _("Named recipient")
    ACCESS_REQUEST = "access_request", _("Approved access request")
    FORWARDED = "forwarded", _("Forwarded by a recipient agency")


class Dissemination(models.Model):
    """One grant of a report to a country or agency group, with its basis; revoked, not deleted."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="disseminations", db_index=False
    )
    # The auth group holding the guardian grant (country, agency, or every agency for CLEAR).
    # Few indexes on purpose: revoking 300k rows rewrites every index entry of each row.
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+", db_index=False)
    recipient_country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recipient_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    basis = models.CharField(max_length=20, choices=DisseminationBasis.choices)
    agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disseminations",
        db_index=False,
    )
    access_request = models.ForeignKey(
        AccessRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    forwarded_by = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    granted_at = models.DateTimeField()
    # The report's published_at, copied on agreement rows: a country's live agreement rows in
    # list order are what the report list walks for shares under agreements in force.
    published_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)
    # The transactions that wrote the grant and its revocation: when the change was recorded,
    # which is the order feeds tell it in (granted_at / revoked_at say when access began and
    # ended, which may be earlier: settlement records a suspension after the fact).
    granted_xid = models.BigIntegerField(db_default=CurrentTransaction())
    revoked_xid = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["report", "granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(basis="tlp_clear", recipient_country__isnull=True)
                    & models.Q(recipient_agency__isnull=True)
                )
                | models.Q(recipient_country__isnull=False, recipient_agency__isnull=True)
                | models.Q(recipient_country__isnull=True, recipient_agency__isnull=False),
                name="dissemination_one_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(basis="agreement", agreement__isnull=False)
                | (~models.Q(basis="agreement") & models.Q(agreement__isnull=True)),
                name="dissemination_agreement_basis",
            ),
            models.CheckConstraint(
                condition=models.Q(basis="access_request", access_request__isnull=False)
                | (~models.Q(basis="access_request") & models.Q(access_request__isnull=True)),
                name="dissemination_access_request_basis",
            ),
            models.CheckConstraint(
                condition=models.Q(basis="forwarded", forwarded_by__isnull=False)
                | (~models.Q(basis="forwarded") & models.Q(forwarded_by__isnull=True)),
                name="dissemination_forwarded_basis",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True)
                | models.Q(revoked_at__gte=models.F("granted_at")),
                name="dissemination_revoked_after_granted",
            ),
            # Every revocation says which transaction recorded it: feeds' tombstones.
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_xid__isnull=True)
                | models.Q(revoked_at__isnull=False, revoked_xid__isnull=False),
                name="dissemination_revocation_recorded",
            ),
            # At most one live row per (report, group, basis, agreement, access request); also
            # the index for "live rows of a report (and group)".
            models.UniqueConstraint(
                fields=["report", "group", "basis", "agreement", "access_request"],
                condition=models.Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="dissemination_live_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["agreement", "report"],
                condition=models.Q(revoked_at__isnull=True),
                name="dissem_live_by_agreement",
            ),
            # History of one report, revoked rows included.
            models.Index(fields=["report", "granted_at"], name="dissem_report_history"),
            # Reports shared with a country under agreements, newest first (see
            # ReportQuerySet.newest_visible); the agreement is filtered inside the index.
            models.Index(
                fields=["recipient_country", "-published_at", "-report"],
                include=["agreement"],
                condition=models.Q(basis="agreement", revoked_at__isnull=True),
                name="dissem_agreement_inbox",
            ),
            # Revocations in the order they were recorded, per recipient: feed tombstones
            # (country rows and TLP:CLEAR rows in one, agency rows in the other).
            models.Index(
                fields=["recipient_country", "revoked_xid", "report"],
                condition=models.Q(revoked_xid__isnull=False, recipient_agency__isnull=True),
                name="dissem_revoked_country",
            ),
            models.Index(
                fields=["recipient_agency", "revoked_xid", "report"],
                condition=models.Q(revoked_xid__isnull=False, recipient_agency__isnull=False),
                name="dissem_revoked_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} -> {self.group_id} ({self.basis})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
