"""Sharing agreements between countries: parties, scope (categories, highest marking), lifetime."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from agencies.models import Country
from sharing.models.taxonomy import Category, Tlp


class AgreementState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    EXPIRED = "expired", "Expired"


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def in_force_on(self, day: dt.date) -> AgreementQuerySet:
        """Active agreements whose validity window contains `day`."""
        return self.filter(state=AgreementState.ACTIVE, valid_from__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )

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
    # True while grants under this agreement are written (in force); the calendar task flips it.
    enforced = models.BooleanField(default=False)
    state_reason = models.TextField(blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # Set when the agreement stops being in force while Dissemination rows and grants made
    # under it remain: access already ended (sharing.access.principals resolves only the groups of
    # agreements in force), the record is settled afterwards with revoked_at = this instant.
    unsettled_since = models.DateTimeField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=~models.Q(enforced=True) | models.Q(unsettled_since__isnull=True),
                name="agreement_enforced_only_when_settled",
            ),
        ]
        indexes = [models.Index(fields=["state", "valid_from", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.title} [{self.reference}]"

    def is_in_force(self, day: dt.date) -> bool:
        return (
            self.state == AgreementState.ACTIVE
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


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
