"""Admin registration for users, countries, agencies, memberships and partner systems."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from agencies.models import Agency, Country, Membership, PartnerAPIKey, PartnerSystem, User
from agencies.services import create_agency, create_country, revoke_api_key, set_membership
from portal.typing import signed_in_user


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "email", "agency_name", "is_staff", "is_active", "last_login")
    list_select_related = ("membership__agency__country",)

    @admin.display(description="Agency")
    def agency_name(self, obj: User) -> str:
        agency = obj.agency
        return str(agency) if agency else "-"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Membership moves the user's groups and is audited: set_membership, never a save.
        # save(commit=False) writes nothing; it fills the lists the admin's history reads.
        for membership in formset.save(commit=False):
            set_membership(
                form.instance,
                membership.agency,
                membership.role,
                actor=signed_in_user(request),
            )


class CreatedByServiceAdmin(admin.ModelAdmin):
    """New rows come from a service (it creates the row's auth group); the code stays fixed."""

    readonly_fields = ("group",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The group is named after the code, and grants follow the group.
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields

    def create(self, obj: Any) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = self.create(obj)
        obj.pk, obj.group_id = created.pk, created.group_id


@admin.register(Country)
class CountryAdmin(CreatedByServiceAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def create(self, obj: Country) -> Country:
        return create_country(code=obj.code, name=obj.name)


@admin.register(Agency)
class AgencyAdmin(CreatedByServiceAdmin):
    list_display = ("code", "name", "kind", "country", "is_active")
    list_filter = ("kind", "country", "is_active")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("country",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Moving an agency to another country would leave its grants in the old country.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "country") if obj is not None else fields

    def create(self, obj: Agency) -> Agency:
        return create_agency(
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            country=obj.country,
            short_name=obj.short_name,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "joined_at")
    list_filter = ("role", "agency__country")
    list_select_related = ("user", "agency__country")
    search_fields = ("user__username", "agency__code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Memberships change group membership: use agencies.services.set_membership (user admin).
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PartnerAPIKeyInline(admin.TabularInline):
    model = PartnerAPIKey
    extra = 0
    can_delete = False
    fields = ("name", "prefix", "scope", "created", "expiry_date", "revoked", "last_used_at")
    readonly_fields = (
        "name",
        "prefix",
        "scope",
        "created",
        "expiry_date",
        "revoked",
        "last_used_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # keys are created with `manage.py create_api_key` (shown once)


@admin.register(PartnerSystem)
class PartnerSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "is_active", "created_at")
    list_filter = ("is_active", "agency__country")
    list_select_related = ("agency__country",)
    inlines = [PartnerAPIKeyInline]


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "partner", "scope", "created", "expiry_date", "revoked")
    list_filter = ("scope", "revoked")
    list_select_related = ("partner__agency",)
    readonly_fields = ("prefix", "hashed_key", "created", "last_used_at", "partner", "scope")
    search_fields = ("prefix", "name", "partner__name")

    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Revocation is an action (audited, through agencies.services), not a checkbox.
        return (*self.readonly_fields, "revoked")

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerAPIKey]) -> None:
        done = 0
        for key in queryset.filter(revoked=False).select_related("partner__agency"):
            try:
                revoke_api_key(key, actor=signed_in_user(request), reason="revoked in the admin")
            except PermissionDenied as exc:
                self.message_user(request, f"{key.prefix}: {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} key(s) revoked.")
