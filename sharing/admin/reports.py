"""Admin of reports and the rows about them, listed through visible_to; all read-only."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from portal.admin import ServiceAdmin
from portal.typing import signed_in_user
from sharing import audit, services
from sharing.admin.base import ReadOnlyAdmin, VisibleReportsAdmin
from sharing.models import (
    AccessRequest,
    Alert,
    AlertDelivery,
    Attachment,
    AuditAction,
    AuditChannel,
    Category,
    Dissemination,
    Indicator,
    Report,
    ReportGroupObjectPermission,
    ReportVersion,
    Subscription,
)
from sharing.models.reports import ReportQuerySet
from sharing.services.subscriptions import SUBSCRIPTION_FIELDS
from sharing.web.context import request_context


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Agreements' scopes and the audit record name a category by its code.
        return ("code",) if obj is not None else ()

    def create(self, request: HttpRequest, form: Any) -> Category:
        data = form.cleaned_data
        return services.create_category(
            actor=self.actor(request),
            code=data["code"],
            name=data["name"],
            description=data["description"],
            context=self.context(request),
        )

    def change(self, request: HttpRequest, obj: Category, form: Any) -> None:
        services.change_category(
            obj,
            actor=self.actor(request),
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            context=self.context(request),
        )


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    can_delete = False
    readonly_fields = ("type", "value", "normalized", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # services.add_indicators

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "originator_agency", "category", "tlp", "state", "published_at")
    list_filter = ("state", "tlp", "category")
    list_select_related = ("originator_agency__country", "category")
    search_fields = ("title",)
    inlines = [IndicatorInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # Portal admins are bound by need-to-know too.
        reports = cast(ReportQuerySet, super().get_queryset(request))
        return reports.visible_to(request.user)

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
            audit.record_denial(
                signed_in_user(request),
                AuditAction.ACCESS_DENIED,
                context=context,
                details={"report_id": object_id, "path": request.path},
            )
        else:
            audit.record(
                signed_in_user(request), AuditAction.REPORT_VIEWED, [report], context=context
            )
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
class SubscriptionAdmin(ServiceAdmin):
    list_display = ("name", "agency", "user", "channel", "is_active")
    list_filter = ("channel", "is_active")
    list_select_related = ("agency__country", "user")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("agency",) if obj is not None else ()

    def create(self, request: HttpRequest, form: Any) -> Subscription:
        data = form.cleaned_data
        return services.create_subscription(
            actor=self.actor(request),
            agency=data["agency"],
            fields={name: data[name] for name in SUBSCRIPTION_FIELDS if name in data},
            categories=data.get("categories", ()),
            originator_countries=data.get("originator_countries", ()),
            context=self.context(request),
        )

    def change(self, request: HttpRequest, obj: Subscription, form: Any) -> None:
        changed = set(form.changed_data)
        data = form.cleaned_data
        services.change_subscription(
            obj,
            actor=self.actor(request),
            changes={name: data[name] for name in SUBSCRIPTION_FIELDS if name in changed},
            categories=data["categories"] if "categories" in changed else None,
            originator_countries=(
                data["originator_countries"] if "originator_countries" in changed else None
            ),
            context=self.context(request),
        )

    def remove(self, request: HttpRequest, obj: Subscription) -> None:
        services.delete_subscription(obj, actor=self.actor(request), context=self.context(request))


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


@admin.register(ReportGroupObjectPermission)
class ReportGroupObjectPermissionAdmin(VisibleReportsAdmin):
    # The guardian grants behind visible_to, written only by sharing.access.
    report_field = "content_object"
    list_display = ("content_object_id", "group", "permission")
    list_filter = ("group",)
    list_select_related = ("group", "permission")
