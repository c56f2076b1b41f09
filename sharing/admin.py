"""Admin registration for the sharing app; reports are listed through visible_to."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from guardian.admin import GuardedModelAdmin

from sharing import admin_agreements, audit
from sharing.models import (
    AccessRequest,
    Agreement,
    Alert,
    AlertDelivery,
    Attachment,
    AuditAction,
    AuditChannel,
    AuditEvent,
    AuditOutcome,
    Category,
    Dissemination,
    Indicator,
    Report,
    ReportGroupObjectPermission,
    ReportVersion,
    Subscription,
)
from sharing.web import request_context


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: the admin shows them and changes nothing."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VisibleReportsAdmin(ReadOnlyAdmin):
    """Rows about reports, listed only for reports the admin may see (need-to-know binds all)."""

    report_field = "report"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        visible = Report.objects.visible_to(request.user)
        return super().get_queryset(request).filter(**{f"{self.report_field}__in": visible})


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    # Lifecycle changes re-compute grants: they go through sharing.services (forms in
    # sharing.admin_agreements), never a model form save.
    list_display = (
        "title",
        "reference",
        "state",
        "in_force",
        "max_tlp",
        "valid_from",
        "valid_until",
    )
    list_filter = ("state", "enforced", "max_tlp")
    search_fields = ("title", "reference")
    change_form_template = "admin/sharing/agreement/change_form.html"

    @admin.display(boolean=True, description="in force", ordering="enforced")
    def in_force(self, agreement: Agreement) -> bool:
        return agreement.enforced

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)  # portal admins

    def get_urls(self) -> list[URLPattern]:
        def change(request: HttpRequest, object_id: str, change: str) -> HttpResponse:
            return admin_agreements.change_state_view(self, request, object_id, change)

        return [
            path(
                "<path:object_id>/change-state/<slug:change>/",
                self.admin_site.admin_view(change),
                name="sharing_agreement_change_state",
            ),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return admin_agreements.add_view(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        agreement = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if agreement is not None:
            extra["lifecycle"] = admin_agreements.available_changes(agreement)
            extra["parties"] = ", ".join(str(c) for c in agreement.parties.order_by("name"))
            extra["live_grants"] = agreement.disseminations.filter(revoked_at__isnull=True).count()
        return super().change_view(request, object_id, form_url, extra)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    can_delete = False
    readonly_fields = ("type", "value", "normalized", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(GuardedModelAdmin, ReadOnlyAdmin):  # type: ignore[misc]
    list_display = ("title", "originator_agency", "category", "tlp", "state", "published_at")
    list_filter = ("state", "tlp", "category")
    list_select_related = ("originator_agency__country", "category")
    search_fields = ("title",)
    inlines = [IndicatorInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # Portal admins are bound by need-to-know too.
        return super().get_queryset(request).visible_to(request.user)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        report = self.get_object(request, object_id)
        context = request_context(request, AuditChannel.ADMIN)
        if report is None:
            audit.record(
                request.user,  # type: ignore[arg-type]
                AuditAction.ACCESS_DENIED,
                context=context,
                outcome=AuditOutcome.DENIED,
                details={"report_id": object_id, "path": request.path},
            )
        else:
            audit.record(request.user, AuditAction.REPORT_VIEWED, [report], context=context)  # type: ignore[arg-type]
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ReportVersion)
class ReportVersionAdmin(VisibleReportsAdmin):
    list_display = ("report", "number", "edited_by", "edited_at")
    list_select_related = ("report", "edited_by")


@admin.register(Attachment)
class AttachmentAdmin(VisibleReportsAdmin):
    list_display = ("filename", "report", "content_type", "size", "uploaded_at")
    list_select_related = ("report",)


@admin.register(Dissemination)
class DisseminationAdmin(VisibleReportsAdmin):
    list_display = (
        "report_id",
        "recipient_country",
        "recipient_agency",
        "basis",
        "agreement",
        "granted_at",
        "revoked_at",
    )
    list_filter = ("basis", "recipient_country")
    list_select_related = ("recipient_country", "recipient_agency__country", "agreement")


@admin.register(AccessRequest)
class AccessRequestAdmin(VisibleReportsAdmin):
    list_display = ("report_id", "requesting_agency", "state", "created_at", "decided_at")
    list_filter = ("state",)
    list_select_related = ("requesting_agency__country",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "user", "channel", "is_active")
    list_filter = ("channel", "is_active")


@admin.register(Alert)
class AlertAdmin(VisibleReportsAdmin):
    list_display = ("report_id", "event", "recipient_agency", "created_at", "dispatched_at")
    list_select_related = ("recipient_agency__country",)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(VisibleReportsAdmin):
    report_field = "alert__report"
    list_display = ("alert", "channel", "state", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("channel", "state")
    list_select_related = ("alert",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "action", "actor_label", "agency", "channel", "outcome")
    list_filter = ("action", "channel", "outcome")
    list_select_related = ("agency__country",)
    search_fields = ("actor_label", "request_id", "object_ids")
    date_hierarchy = "occurred_at"


@admin.register(ReportGroupObjectPermission)
class ReportGroupObjectPermissionAdmin(VisibleReportsAdmin):
    # The guardian grants behind visible_to, written only by sharing.dissemination.
    report_field = "content_object"
    list_display = ("content_object_id", "group", "permission")
    list_filter = ("group",)
    list_select_related = ("group", "permission")
