"""AuditEvent: the account of every exchange. Written only by sharing.audit (writer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from agencies.models import Agency, Country, PartnerAPIKey


class AuditAction(models.TextChoices):
    # creation and alteration
    REPORT_CREATED = "report.created", "Report created"
    REPORT_PUBLISHED = "report.published", "Report published"
    REPORT_EDITED = "report.edited", "Report edited"
    REPORT_RETRACTED = "report.retracted", "Report retracted"
    INDICATORS_ADDED = "indicators.added", "Indicators added"
    ATTACHMENT_ADDED = "attachment.added", "Attachment added"
    # consultation
    REPORT_VIEWED = "report.viewed", "Report viewed"
    REPORT_LISTED = "report.listed", "Reports listed"
    REPORT_SEARCHED = "report.searched", "Reports searched"
    FEED_PULLED = "feed.pulled", "Feed pulled"
    TAXII_PULLED = "taxii.pulled", "TAXII collection pulled"
    DASHBOARD_VIEWED = "dashboard.viewed", "Dashboard viewed"
    EXPORTED = "report.exported", "Reports exported"
    ATTACHMENT_DOWNLOADED = "attachment.downloaded", "Attachment downloaded"
    VISIBILITY_EXPLAINED = "visibility.explained", "Visibility explained"
    # disclosure
    GRANTED = "dissemination.granted", "Access granted"
    REVOKED = "dissemination.revoked", "Access revoked"
    ALERT_DELIVERED = "alert.delivered", "Alert delivered"
    ALERT_FAILED = "alert.failed", "Alert delivery failed"
    # combination
    HIT_CHECKED = "indicator.hit_checked", "Indicator checked (hit/no-hit)"
    CORRELATED = "indicator.correlated", "Indicators correlated"
    ACCESS_REQUESTED = "access.requested", "Access requested"
    ACCESS_APPROVED = "access.approved", "Access request approved"
    ACCESS_REFUSED = "access.refused", "Access request refused"
    # agreements and permissions
    AGREEMENT_CREATED = "agreement.created", "Agreement created"
    AGREEMENT_AMENDED = "agreement.amended", "Agreement amended"
    AGREEMENT_ACTIVATED = "agreement.activated", "Agreement activated"
    AGREEMENT_SUSPENDED = "agreement.suspended", "Agreement suspended"
    AGREEMENT_REACTIVATED = "agreement.reactivated", "Agreement reactivated"
    AGREEMENT_TERMINATED = "agreement.terminated", "Agreement terminated"
    AGREEMENT_IN_FORCE = "agreement.in_force", "Agreement came into force"
    AGREEMENT_EXPIRED = "agreement.expired", "Agreement expired"
    AGREEMENT_SETTLED = "agreement.settled", "Agreement's record settled after it left force"
    AGREEMENT_SYNCED = "agreement.synced", "Agreement's record written after it came into force"
    MEMBERSHIP_CHANGED = "membership.changed", "Membership changed"
    MEMBERSHIP_REMOVED = "membership.removed", "Membership removed"
    API_KEY_CREATED = "api_key.created", "API key created"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    API_KEY_EXPIRY_CHANGED = "api_key.expiry_changed", "API key expiry changed"
    ROLE_GRANTED = "role.granted", "Portal-admin role granted"
    ROLE_REVOKED = "role.revoked", "Portal-admin role revoked"
    WEBHOOK_CREATED = "webhook.created", "Webhook created"
    WEBHOOK_CHANGED = "webhook.changed", "Webhook changed"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook deleted"
    # reference data and accounts
    COUNTRY_CREATED = "country.created", "Country created"
    AGENCY_CREATED = "agency.created", "Agency created"
    AGENCY_CHANGED = "agency.changed", "Agency changed"
    AGENCY_DEACTIVATED = "agency.deactivated", "Agency deactivated"
    AGENCY_REACTIVATED = "agency.reactivated", "Agency reactivated"
    PARTNER_SYSTEM_CREATED = "partner_system.created", "Partner system created"
    PARTNER_SYSTEM_CHANGED = "partner_system.changed", "Partner system changed"
    CATEGORY_CREATED = "category.created", "Category created"
    CATEGORY_CHANGED = "category.changed", "Category changed"
    SUBSCRIPTION_CREATED = "subscription.created", "Subscription created"
    SUBSCRIPTION_CHANGED = "subscription.changed", "Subscription changed"
    SUBSCRIPTION_DELETED = "subscription.deleted", "Subscription deleted"
    SEARCH_SAVED = "search.saved", "Search saved"
    SEARCH_DELETED = "search.deleted", "Saved search deleted"
    COMMON_VALUE_ADDED = "common_value.added", "Value put on the stop-list"
    COMMON_VALUE_REMOVED = "common_value.removed", "Value taken off the stop-list"
    USER_CREATED = "user.created", "User created"
    USER_CHANGED = "user.changed", "User changed"
    USER_PASSWORD_SET = "user.password_set", "User's password set"
    USER_DEACTIVATED = "user.deactivated", "User deactivated"
    USER_REACTIVATED = "user.reactivated", "User reactivated"
    # sessions and denials
    LOGIN = "auth.login", "Signed in"
    LOGIN_FAILED = "auth.login_failed", "Sign-in failed"
    LOGOUT = "auth.logout", "Signed out"
    LOCKED_OUT = "auth.locked_out", "Locked out after failed sign-ins"
    TWO_FACTOR_ENABLED = "auth.2fa_enabled", "Two-factor authentication enabled"
    TWO_FACTOR_DISABLED = "auth.2fa_disabled", "Two-factor authentication disabled"
    TWO_FACTOR_FAILED = "auth.2fa_failed", "Two-factor code refused"
    ACCESS_DENIED = "access.denied", "Access denied"
    # erasure
    ERASED = "data.erased", "Data erased"
    # the audit record itself
    AUDIT_VIEWED = "audit.viewed", "Audit record viewed"
    AUDIT_EXPORTED = "audit.exported", "Audit record exported"
    AUDIT_PURGED = "audit.purged", "Audit events past retention purged"


class AuditChannel(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "REST API"
    TAXII = "taxii", "TAXII"
    WORKER = "worker", "Background worker"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Management command"
    # Recorded outside any request, task or command (an interactive import, a test); rows
    # written before the channel was known also say so.
    SYSTEM = "system", "Other"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    DENIED = "denied", "Denied"
    ERROR = "error", "Error"


class CodeChoicesField(models.CharField):  # type: ignore[type-arg]  # not subscriptable at run time
    """Text validated and labelled by choices kept in code (AuditAction, AuditChannel).

    The choices are left out of migrations: they change the database in no way, and each new
    action would otherwise write a migration repeating the whole list.
    """

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, path, args, kwargs


class ActionField(CodeChoicesField):
    """The action (AuditAction)."""


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_key = models.ForeignKey(
        PartnerAPIKey,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        # Every index is written again when the sealer seals a row: only those queries use.
        db_index=False,
    )
    # Kept as text too, so the record stays readable if the user or key is ever removed; the
    # ids stay as they were (DO_NOTHING): the record is never updated.
    actor_label = models.CharField(max_length=200, blank=True)
    # Not enforced by the database either: a denial is written on its own connection while the
    # refusing transaction is still open, and an enforced key would make that insert take a
    # FOR KEY SHARE lock on the agency and country rows, waiting forever on a caller that holds
    # them FOR UPDATE, and failing on an agency the caller created and has not committed yet.
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,  # audit_by_agency (agency, -occurred_at) serves it
    )
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    action = ActionField(max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_ids = models.JSONField(default=list, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    justification = models.TextField(blank=True)
    channel = CodeChoicesField(max_length=10, choices=AuditChannel.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(
        max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    details = models.JSONField(default=dict, blank=True)
    # The seal (sharing/audit/chain.py): the place in the chain, the previous event's hash and
    # this event's. Empty until the sealer runs; then written once and never again (a trigger
    # lets an UPDATE through only from unsealed to sealed, with nothing else changed).
    seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["seq"], name="audit_by_seq", condition=Q(seq__isnull=False)),
            # What the sealer has left to do: small, as the sealer keeps up.
            models.Index(fields=["id"], name="audit_unsealed", condition=Q(seq__isnull=True)),
            models.Index(fields=["action", "-occurred_at"], name="audit_by_action"),
            models.Index(fields=["agency", "-occurred_at"], name="audit_by_agency"),
            models.Index(fields=["object_type", "-occurred_at"], name="audit_by_object_type"),
            # "Who accessed this report": object_ids @> '["<uuid>"]'.
            GinIndex(fields=["object_ids"], opclasses=["jsonb_path_ops"], name="audit_by_object"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"


class CheckpointKind(models.TextChoices):
    VERIFIED = "verified", "Verified up to here"
    ANCHORED = "anchored", "Head signed and printed for shipping"
    PURGED = "purged", "Events before this purged; the chain goes on from here"


class AuditCheckpoint(models.Model):
    """A point of the chain known good: where verify_audit resumes, or where a purge cut it."""

    kind = models.CharField(max_length=10, choices=CheckpointKind.choices)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    # How many events the verification that wrote it checked.
    events = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq", "-id"]
        indexes = [models.Index(fields=["kind", "-seq"], name="audit_checkpoint_by_kind")]

    def __str__(self) -> str:
        return f"{self.kind} at seq {self.seq}"
