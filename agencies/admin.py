"""Admin registration for users, countries, agencies, memberships and partner systems."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from agencies.models import Agency, Country, Membership, PartnerAPIKey, PartnerSystem, User


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


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    readonly_fields = ("group",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "country", "is_active")
    list_filter = ("kind", "country", "is_active")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("country",)
    readonly_fields = ("group",)


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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
