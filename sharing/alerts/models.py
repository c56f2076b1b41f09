"""Subscriptions, alerts (the outbox) and their deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from agencies.models import Agency, Country, PartnerSystem
from sharing.models.reports import IndicatorType, Report
from sharing.models.taxonomy import Category, Priority


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app notification"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Partner webhook"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "Daily digest"


class Subscription(models.Model):
    """What an agency or a user wants to be alerted about, and how."""

    name = models.CharField(max_length=100)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="Empty for an agency-wide subscription.",
    )
    partner = models.ForeignKey(
        PartnerSystem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="Partner system whose webhook receives the alerts.",
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    originator_countries = models.ManyToManyField(Country, blank=True, related_name="+")
    min_priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.ROUTINE
    )
    indicator_type = models.CharField(max_length=20, choices=IndicatorType.choices, blank=True)
    indicator_value = models.CharField(max_length=500, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.IN_APP)
    email_mode = models.CharField(
        max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(channel="webhook") | models.Q(partner__isnull=False),
                name="subscription_webhook_has_partner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AlertEvent(models.TextChoices):
    PUBLISHED = "published", "Published"
    UPDATED = "updated", "Updated"
    RETRACTED = "retracted", "Retracted"
    REVOKED = "revoked", "Access revoked"


class Alert(models.Model):
    """Outbox row: one per (report event, recipient agency); deliveries hang off it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="alerts")
    event = models.CharField(max_length=10, choices=AlertEvent.choices)
    report_version = models.PositiveIntegerField()
    recipient_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="alerts")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "event", "report_version", "recipient_agency"],
                name="alert_unique_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="alert_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.report_id} -> {self.recipient_agency_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    DEAD = "dead", "Dead-lettered"


class AlertDelivery(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        PartnerSystem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "alert deliveries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(partner__isnull=False),
                name="delivery_has_target",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["user", "read_at"], name="delivery_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery of alert {self.alert_id} ({self.state})"
