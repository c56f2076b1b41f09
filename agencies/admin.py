"""Admin registration for users, countries, agencies, memberships and partner systems.

Every save goes through agencies.services (see portal.admin.ServiceAdmin) and only portal
admins may make one. Partner API keys are listed and managed by prefix: their primary key
embeds the key's hash, so it appears in no URL and on no page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework_api_key.models import APIKey

from agencies import services
from agencies.models import Agency, Country, Membership, PartnerAPIKey, PartnerSystem, User
from agencies.roles import PORTAL_ADMIN_PERMISSION, is_portal_admin
from portal.admin import ServiceAdmin

# Groups hold the grants and are created and filled by the services; a group edited by hand
# would give or take access around them. The library's own key model mints keys that belong
# to no partner system; partner keys are PartnerAPIKey.
for _model in (Group, APIKey):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _run_each(
    model_admin: ServiceAdmin,
    request: HttpRequest,
    objects: QuerySet[Any],
    service: Callable[[Any], object],
    done: str,
) -> None:
    """Run an audited service per selected row; a refusal is reported, the others go on."""
    count = 0
    for obj in objects:
        try:
            service(obj)
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                model_admin.message_user(request, f"{obj}: {message}", messages.ERROR)
        else:
            count += 1
    model_admin.message_user(request, done.format(count=count))


# -- users -----------------------------------------------------------------------------------


class MembershipInline(admin.StackedInline):
    """A user's agency and role, written with services.set_membership (groups move, audited)."""

    model = Membership
    can_delete = False  # removing a membership is a deletion in the membership admin
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_portal_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_portal_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_portal_admin(request.user) or super().has_view_permission(request, obj)


@admin.register(User)
class UserAdmin(ServiceAdmin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = (
        "username",
        "email",
        "agency_name",
        "portal_admin",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_select_related = ("membership__agency__country",)
    # Access and roles change through the actions below (audited), not through checkboxes.
    readonly_fields = (
        "username",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
        "last_login",
        "date_joined",
    )
    actions = ["deactivate", "reactivate", "grant_portal_admin", "revoke_portal_admin"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        # Like Django's own user admin, adding asks for a name and password only; the agency
        # is set on the change page the add page continues to.
        return self.inlines if obj is not None else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        app_label, codename = PORTAL_ADMIN_PERMISSION.split(".")
        held = User.user_permissions.through.objects.filter(
            user_id=OuterRef("pk"),
            permission__codename=codename,
            permission__content_type__app_label=app_label,
        )
        users: QuerySet[User] = super().get_queryset(request)
        return users.annotate(holds_portal_admin=Exists(held))

    @admin.display(description="Agency")
    def agency_name(self, obj: User) -> str:
        agency = obj.agency
        return str(agency) if agency else "-"

    @admin.display(boolean=True, description="Portal admin")
    def portal_admin(self, obj: User) -> bool:
        return bool(obj.is_superuser or getattr(obj, "holds_portal_admin", False))

    def create(self, request: HttpRequest, form: Any) -> User:
        data = form.cleaned_data
        return services.create_user(
            actor=self.actor(request),
            username=data["username"],
            password=data["password1"] if data.get("set_usable_password", True) else None,
            context=self.context(request),
        )

    def change(self, request: HttpRequest, obj: User, form: Any) -> None:
        changes = {k: form.cleaned_data[k] for k in form.changed_data if k in services.USER_FIELDS}
        if changes:
            services.change_user(
                obj, actor=self.actor(request), changes=changes, context=self.context(request)
            )

    def save_inline(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            raise NotImplementedError(f"No service saves {formset.model.__name__} inlines.")
        # save(commit=False) writes nothing; it fills the lists the admin's history reads.
        for membership in formset.save(commit=False):
            services.set_membership(
                form.instance,
                membership.agency,
                membership.role,
                actor=self.actor(request),
                context=self.context(request),
            )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's password page, saving through services.set_user_password (audited)."""
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404("No such user.")
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = self.change_password_form(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            usable = form.cleaned_data["set_usable_password"]
            if not usable and "unset-password" not in request.POST:
                messages.error(request, _("Conflicting form data submitted. Please try again."))
                return HttpResponseRedirect(request.get_full_path())
            try:
                saved = services.set_user_password(
                    user,
                    actor=self.actor(request),
                    password=form.cleaned_data["password1"] if usable else None,
                    context=self.context(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if saved.pk == request.user.pk:
                    update_session_auth_hash(request, saved)  # stay signed in
                messages.success(request, _("Password set."))
                return HttpResponseRedirect(reverse("admin:agencies_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Set password: %s") % user.get_username(),
            "adminForm": helpers.AdminForm(form, [(None, {"fields": list(form.base_fields)})], {}),
            "form_url": form_url,
            "form": form,
            "is_popup": False,
            "add": True,
            "change": False,
            "has_delete_permission": False,
            "has_change_permission": True,
            "has_absolute_url": False,
            "opts": self.opts,
            "original": user,
            "save_as": False,
            "show_save": True,
        }
        return TemplateResponse(request, "admin/auth/user/change_password.html", context)

    @admin.action(description="Deactivate selected users", permissions=["portal_admin"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor, context = self.actor(request), self.context(request)
        _run_each(
            self,
            request,
            queryset,
            lambda user: services.deactivate_user(user, actor=actor, context=context),
            "{count} user(s) deactivated.",
        )

    @admin.action(description="Reactivate selected users", permissions=["portal_admin"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor, context = self.actor(request), self.context(request)
        _run_each(
            self,
            request,
            queryset,
            lambda user: services.reactivate_user(user, actor=actor, context=context),
            "{count} user(s) reactivated.",
        )

    @admin.action(description="Make selected users portal admins", permissions=["portal_admin"])
    def grant_portal_admin(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor, context = self.actor(request), self.context(request)
        _run_each(
            self,
            request,
            queryset,
            lambda user: services.grant_portal_admin(user, actor=actor, context=context),
            "{count} user(s) made portal admins.",
        )

    @admin.action(description="Remove the portal-admin role", permissions=["portal_admin"])
    def revoke_portal_admin(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor, context = self.actor(request), self.context(request)
        _run_each(
            self,
            request,
            queryset,
            lambda user: services.revoke_portal_admin(user, actor=actor, context=context),
            "{count} user(s) no longer portal admins.",
        )


# -- countries and agencies ------------------------------------------------------------------


@admin.register(Country)
class CountryAdmin(ServiceAdmin):
    """Created with their group; fixed afterwards (grants follow the group named after the code)."""

    list_display = ("code", "name")
    search_fields = ("code", "name")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("code", "name") if obj is None else ("code", "name", "group")

    def create(self, request: HttpRequest, form: Any) -> Country:
        return services.create_country(
            actor=self.actor(request),
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
            context=self.context(request),
        )


@admin.register(Agency)
class AgencyAdmin(ServiceAdmin):
    list_display = ("code", "name", "kind", "country", "is_active")
    list_filter = ("kind", "country", "is_active")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("country",)
    actions = ["deactivate", "reactivate"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ("code", "name", "short_name", "kind", "country")
        return fields if obj is None else (*fields, "group", "is_active", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code names the agency's group, and its grants sit in its country: both fixed.
        # Active state has its own audited actions.
        return () if obj is None else ("code", "country", "group", "is_active", "created_at")

    def create(self, request: HttpRequest, form: Any) -> Agency:
        data = form.cleaned_data
        return services.create_agency(
            actor=self.actor(request),
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            country=data["country"],
            short_name=data["short_name"],
            context=self.context(request),
        )

    def change(self, request: HttpRequest, obj: Agency, form: Any) -> None:
        services.change_agency(
            obj,
            actor=self.actor(request),
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            context=self.context(request),
        )

    @admin.action(
        description="Deactivate selected agencies (their users and systems lose access)",
        permissions=["portal_admin"],
    )
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        actor, context = self.actor(request), self.context(request)
        _run_each(
            self,
            request,
            queryset,
            lambda agency: services.deactivate_agency(agency, actor=actor, context=context),
            "{count} agency(ies) deactivated.",
        )

    @admin.action(description="Reactivate selected agencies", permissions=["portal_admin"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        actor, context = self.actor(request), self.context(request)
        _run_each(
            self,
            request,
            queryset,
            lambda agency: services.reactivate_agency(agency, actor=actor, context=context),
            "{count} agency(ies) reactivated.",
        )


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Listed here, removed here (services.remove_membership); set in the user admin."""

    list_display = ("user", "agency", "role", "joined_at")
    list_filter = ("role", "agency__country")
    list_select_related = ("user", "agency__country")
    search_fields = ("user__username", "agency__code")

    def remove(self, request: HttpRequest, obj: Membership) -> None:
        services.remove_membership(
            obj.user,
            actor=self.actor(request),
            reason="removed in the admin",
            context=self.context(request),
        )


# -- partner systems and keys ----------------------------------------------------------------


def _key_url(name: str, key: PartnerAPIKey) -> str:
    return reverse(f"admin:agencies_partnerapikey_{name}", args=[key.prefix])


@admin.register(PartnerSystem)
class PartnerSystemAdmin(ServiceAdmin):
    list_display = ("name", "agency", "is_active", "created_at")
    list_filter = ("is_active", "agency__country")
    list_select_related = ("agency__country",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ("agency", "name", "description", "webhook_url")
        return fields if obj is None else (*fields, "is_active", "created_at", "keys")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A partner system sees what its agency sees: moving it would hand it another's reports.
        return () if obj is None else ("agency", "created_at", "keys")

    @admin.display(description="API keys")
    def keys(self, obj: PartnerSystem) -> str:
        rows = [
            (
                key.prefix,
                key.name,
                key.scope,
                "revoked"
                if key.revoked
                else f"expires {key.expiry_date:%Y-%m-%d %H:%M}"
                if key.expiry_date
                else "never expires",
                _key_url("revoke", key),
            )
            for key in obj.api_keys.order_by("-created")
        ]
        if not rows:
            return "No keys (manage.py create_api_key issues one)."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><code>{}</code> {} ({}; {}) <a href="{}">revoke</a></li>',
                rows,
            ),
        )

    def create(self, request: HttpRequest, form: Any) -> PartnerSystem:
        data = form.cleaned_data
        return services.create_partner_system(
            actor=self.actor(request),
            agency=data["agency"],
            name=data["name"],
            description=data["description"],
            webhook_url=data["webhook_url"],
            context=self.context(request),
        )

    def change(self, request: HttpRequest, obj: PartnerSystem, form: Any) -> None:
        services.change_partner_system(
            obj,
            actor=self.actor(request),
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            context=self.context(request),
        )


class RevokeKeyForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="On the record.")


class KeyExpiryForm(forms.Form):
    expires_at = forms.SplitDateTimeField(
        label="Expires",
        widget=AdminSplitDateTime,
        required=False,
        help_text="Empty: the key never expires. A time in the past ends the key now.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="On the record."
    )


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(ServiceAdmin):
    """A list, and a revoke and an expiry page per key, addressed by prefix.

    Django's own object pages would put the primary key (prefix.hash) in their URLs, in the
    admin log and in the list's checkboxes; this admin has none of them. Keys are issued with
    `manage.py create_api_key`, which shows the clear key once.
    """

    list_display = (
        "name",
        "prefix",
        "partner",
        "scope",
        "created",
        "expiry_date",
        "revoked",
        "last_used_at",
        "manage",
    )
    list_display_links = None
    list_filter = ("scope", "revoked")
    list_select_related = ("partner__agency",)
    search_fields = ("prefix", "name", "partner__name")
    actions = None

    @admin.display(description="")
    def manage(self, key: PartnerAPIKey) -> str:
        if key.revoked:
            return ""
        return format_html(
            '<a href="{}">revoke</a> · <a href="{}">expiry</a>',
            _key_url("revoke", key),
            _key_url("expiry", key),
        )

    def get_urls(self) -> list[URLPattern]:
        def view(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(handler)

        return [
            path("", view(self.changelist_view), name="agencies_partnerapikey_changelist"),
            path(
                "<str:prefix>/revoke/", view(self.revoke_view), name="agencies_partnerapikey_revoke"
            ),
            path(
                "<str:prefix>/expiry/", view(self.expiry_view), name="agencies_partnerapikey_expiry"
            ),
        ]

    def _key(self, request: HttpRequest, prefix: str) -> PartnerAPIKey:
        if not is_portal_admin(request.user):
            raise PermissionDenied
        key: PartnerAPIKey | None = self.get_queryset(request).filter(prefix=prefix).first()
        if key is None:
            raise Http404("No such key.")
        return key

    def _page(
        self, request: HttpRequest, key: PartnerAPIKey, form: forms.Form, title: str, submit: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "key": key,
            "form": form,
            "submit": submit,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/agencies/partnerapikey/manage.html", context)

    def _done(self, request: HttpRequest, message: str) -> HttpResponse:
        self.message_user(request, message)
        return HttpResponseRedirect(reverse("admin:agencies_partnerapikey_changelist"))

    def revoke_view(self, request: HttpRequest, prefix: str) -> HttpResponse:
        key = self._key(request, prefix)
        form = RevokeKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.revoke_api_key(
                    key,
                    actor=self.actor(request),
                    reason=form.cleaned_data["reason"],
                    context=self.context(request),
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, getattr(exc, "messages", [str(exc)]))
            else:
                return self._done(request, f"Key {key.prefix} revoked.")
        return self._page(request, key, form, f"Revoke key {key.prefix}", "Revoke key")

    def expiry_view(self, request: HttpRequest, prefix: str) -> HttpResponse:
        key = self._key(request, prefix)
        form = KeyExpiryForm(request.POST or None, initial={"expires_at": key.expiry_date})
        if request.method == "POST" and form.is_valid():
            try:
                services.change_api_key_expiry(
                    key,
                    actor=self.actor(request),
                    expires_at=form.cleaned_data["expires_at"],
                    reason=form.cleaned_data["reason"],
                    context=self.context(request),
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, getattr(exc, "messages", [str(exc)]))
            else:
                return self._done(request, f"Expiry of key {key.prefix} changed.")
        return self._page(request, key, form, f"Expiry of key {key.prefix}", "Save expiry")
