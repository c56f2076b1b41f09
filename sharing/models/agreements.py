"""Sharing agreements between countries: parties, scope (categories, highest marking), lifetime."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from psycopg import sql

from agencies.models import Country
from sharing.models.taxonomy import Category, Tlp


class AgreementState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    EXPIRED = "expired", "Expired"


class AgreementChange(models.TextChoices):
    """A lifecycle change a portal admin makes (sharing.services.agreements.CHANGES)."""

    ACTIVATE = "activate", "Activate"
    SUSPEND = "suspend", "Suspend"
    REACTIVATE = "reactivate", "Reactivate"
    TERMINATE = "terminate", "Terminate"
    AMEND = "amend", "Amend"


# --------------------------------------------------------------------------------------------
# "Due" and "in force": the one definition, in its three forms (Python, ORM, SQL). A test holds
# the three to each other (tests/sharing/test_agreement_in_force.py).
#
# Due by its terms: active, and the day lies inside the validity window. The calendar task
# brings a due agreement into force (sets `enforced`) and takes an agreement that is no longer
# due out of it.
# In force: due, and brought into force. Only agreements in force share anything: the rules
# (sharing.access.rules), principal resolution (sharing.access.principals) and the calendar
# all ask this.


def agreement_is_due(
    *, state: str, valid_from: dt.date, valid_until: dt.date | None, day: dt.date
) -> bool:
    return (
        state == AgreementState.ACTIVE
        and valid_from <= day
        and (valid_until is None or day <= valid_until)
    )


def agreement_is_in_force(
    *, state: str, enforced: bool, valid_from: dt.date, valid_until: dt.date | None, day: dt.date
) -> bool:
    return enforced and agreement_is_due(
        state=state, valid_from=valid_from, valid_until=valid_until, day=day
    )


def _due_condition(day: dt.date) -> models.Q:
    return models.Q(state=AgreementState.ACTIVE, valid_from__lte=day) & (
        models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
    )


def _in_force_condition(day: dt.date) -> models.Q:
    return _due_condition(day) & models.Q(enforced=True)


_IN_FORCE_SQL = sql.SQL(
    "({a}.state = {active} AND {a}.enforced AND {a}.valid_from <= {today}"
    " AND ({a}.valid_until IS NULL OR {a}.valid_until >= {today}))"
)


def in_force_sql(alias: str) -> sql.Composed:
    """The in-force condition on the agreement row `alias`, for hand-written statements.

    Named parameters `in_force_state` and `today`: pass `in_force_params(day)` along.
    """
    return _IN_FORCE_SQL.format(
        a=sql.Identifier(alias),
        active=sql.Placeholder("in_force_state"),
        today=sql.Placeholder("today"),
    )


def in_force_params(day: dt.date) -> dict[str, Any]:
    return {"in_force_state": AgreementState.ACTIVE.value, "today": day}


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def due_on(self, day: dt.date) -> AgreementQuerySet:
        """Active agreements whose validity window contains `day` (in force or about to be)."""
        return self.filter(_due_condition(day))

    def in_force_on(self, day: dt.date) -> AgreementQuerySet:
        """Agreements in force on `day`: due, and brought into force."""
        return self.filter(_in_force_condition(day))

    def involving(self, country: Country | int) -> AgreementQuerySet:
        return self.filter(parties=country)


class Agreement(models.Model):
    title = models.CharField(max_length=200)
    reference = models.CharField(
        max_length=100, unique=True, help_text="Legal reference, e.g. treaty or MoU number."
    )
    description = models.TextField(blank=True)
    parties = models.ManyToManyField(Country, through="AgreementParty", related_name="agreements")
    categories = models.ManyToManyField(Category, related_name="agreements")
    max_tlp = models.PositiveSmallIntegerField(
        choices=[(Tlp.GREEN, Tlp.GREEN.label), (Tlp.AMBER, Tlp.AMBER.label)],
        default=Tlp.GREEN,
        help_text="Highest marking that may be shared under this agreement.",
    )
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Last day in force.")
    state = models.CharField(
        max_length=12, choices=AgreementState.choices, default=AgreementState.DRAFT
    )
    # Reports published at or after this instant are shared (set at activation:
    # the start of valid_from when the admin chose to share earlier reports, else the activation).
    shares_from = models.DateTimeField(null=True, blank=True)
    # Brought into force (see "in force" above): set when a due agreement is activated or
    # reactivated, or by the calendar task on valid_from; cleared when it leaves force.
    enforced = models.BooleanField(default=False)
    state_reason = models.TextField(blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # The record (Dissemination rows and grants) follows a change of force in the background
    # (sharing.access.settlement); access never waits for it. These three say what is left.
    #
    # Access under the agreement ended at this instant; rows granted before it are still live
    # and get revoked_at = this instant.
    unsettled_since = models.DateTimeField(null=True, blank=True)
    # Access under the current terms began at this instant and the agreement is "pending": its
    # rows are not all written yet (they get granted_at = this instant) and its party groups
    # are not resolved; principals see its reports through the sharing rule itself
    # (sharing.access.queries) until settlement clears the mark.
    pending_since = models.DateTimeField(null=True, blank=True)
    # A pending agreement left force at this instant before its rows were written: the rows of
    # that period get revoked_at = this instant.
    pending_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="agreement_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=models.Q(max_tlp__in=[Tlp.GREEN, Tlp.AMBER]),
                name="agreement_max_tlp_country_level",
            ),
            models.CheckConstraint(
                condition=~models.Q(enforced=True) | models.Q(state=AgreementState.ACTIVE),
                name="agreement_enforced_only_when_active",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=AgreementState.ACTIVE)
                | models.Q(shares_from__isnull=False),
                name="agreement_active_has_shares_from",
            ),
            # In force with rows of an earlier period still live: only while pending (the
            # party groups, which still hold the old grants, do not resolve).
            models.CheckConstraint(
                condition=~models.Q(enforced=True)
                | models.Q(unsettled_since__isnull=True)
                | models.Q(pending_since__isnull=False),
                name="agreement_enforced_only_when_settled_or_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(pending_until__isnull=True)
                | models.Q(
                    enforced=False,
                    pending_since__isnull=False,
                    pending_until__gte=models.F("pending_since"),
                ),
                name="agreement_pending_period_ended",
            ),
            models.CheckConstraint(
                condition=models.Q(pending_since__isnull=True)
                | models.Q(enforced=True)
                | models.Q(pending_until__isnull=False),
                name="agreement_pending_in_force_or_ended",
            ),
        ]
        indexes = [models.Index(fields=["state", "valid_from", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.title} [{self.reference}]"

    def is_due(self, day: dt.date) -> bool:
        return agreement_is_due(
            state=self.state, valid_from=self.valid_from, valid_until=self.valid_until, day=day
        )

    def is_in_force(self, day: dt.date) -> bool:
        return agreement_is_in_force(
            state=self.state,
            enforced=self.enforced,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            day=day,
        )

    @property
    def is_settled(self) -> bool:
        return self.unsettled_since is None and self.pending_since is None

    def settlement_note(self) -> str:
        """What the background step has left to record, in words; empty once settled.

        Shown on the admin agreement page and by `manage.py agreement show`.
        """
        at = "%Y-%m-%d %H:%M:%S"
        parts = []
        if self.unsettled_since is not None:
            parts.append(f"access under it ended at {self.unsettled_since:{at}} UTC")
        if self.pending_since is not None and self.pending_until is not None:
            parts.append(
                f"access under it began at {self.pending_since:{at}} UTC"
                f" and ended at {self.pending_until:{at}} UTC"
            )
        elif self.pending_since is not None:
            parts.append(f"access under it began at {self.pending_since:{at}} UTC")
        if not parts:
            return ""
        return "; ".join(parts) + "; the record of that is being written"


class AgreementParty(models.Model):
    """A country party to an agreement. A database trigger demands at least two per agreement.

    Reports shared with the country under the agreement are granted to the party's own group,
    not to the country's: a principal resolves to the groups of its country's agreements in
    force, so suspending an agreement cuts access with one row update, however many reports
    it covered.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="party_links")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agreement_party")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "country"], name="agreement_party_unique"),
        ]
        indexes = [models.Index(fields=["country", "agreement"])]

    def __str__(self) -> str:
        return f"{self.country.code} in {self.agreement.reference}"

    @staticmethod
    def group_name(agreement_id: int, country_code: str) -> str:
        return f"agreement:{agreement_id}:{country_code}"
