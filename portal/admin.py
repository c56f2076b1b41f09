"""The base of every model admin: forms collect input, a service writes it, the role gates it.

Django's own write hooks (`save_model`, `save_related`, `save_formset`, `delete_model`,
`delete_queryset`) are replaced here, once: they hand the form to `create`, `change`,
`remove` or `save_inline`, which a subclass implements by calling a service (one transaction,
one audit event). A hook a subclass does not implement turns the matching admin permission
off, and nothing here falls back to `obj.save()`. `tests/test_admin_writes.py` walks the admin
site and fails on an admin that is not a ServiceAdmin or that overrides these hooks.

Writes are for portal admins only (`agencies.roles.is_portal_admin`); Django's per-model
add/change/delete permissions do not open them. Portal admins may view every registered
model; other staff see what their model view permissions allow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from agencies.models import User
from agencies.roles import is_portal_admin
from portal.typing import signed_in_user
from sharing.audit import RequestContext
from sharing.models import AuditChannel
from sharing.web.context import request_context

if TYPE_CHECKING:
    # Generic in the stubs only: subscripting it at run time fails without django-stubs-ext.
    ModelAdmin = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin

# The ModelAdmin methods through which Django's pages and bulk actions write rows.
WRITE_HOOKS = ("save_model", "save_related", "save_formset", "delete_model", "delete_queryset")


class ServiceAdmin(ModelAdmin):
    """A model admin whose every write goes through a service; see the module docstring."""

    # -- what a subclass implements, each by calling one service ----------------------------

    def create(self, request: HttpRequest, form: ModelForm[Any]) -> Model:
        """Create the row from the valid add form; return it as the service saved it."""
        raise NotImplementedError

    def change(self, request: HttpRequest, obj: Any, form: ModelForm[Any]) -> None:
        """Apply the valid change form's changed fields (`form.changed_data`) to `obj`."""
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_inline(
        self, request: HttpRequest, form: ModelForm[Any], formset: BaseFormSet[Any], change: bool
    ) -> None:
        """Save an inline formset that has changes; inlines are read-only unless implemented."""
        raise NotImplementedError

    def actor(self, request: HttpRequest) -> User:
        return signed_in_user(request)

    def context(self, request: HttpRequest) -> RequestContext:
        return request_context(request, AuditChannel.ADMIN)

    def implements(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(ServiceAdmin, hook)

    # -- permissions: the role, and only for what the subclass implements -------------------

    def has_portal_admin_permission(self, request: HttpRequest) -> bool:
        """For `@admin.action(permissions=["portal_admin"])`."""
        return is_portal_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.implements("create") and is_portal_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.implements("change") and is_portal_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.implements("remove") and is_portal_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_portal_admin(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_portal_admin(request.user) or super().has_module_permission(request)

    # -- Django's write hooks, final: no direct save or delete is left ----------------------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            if form.has_changed():
                self.change(request, obj, form)
            return
        created = self.create(request, form)
        # The admin logs, messages and redirects with `obj`: make it the saved row.
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No form.save_m2m(): the service of create/change set the many-to-many fields.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.has_changed():
            self.save_inline(request, form, formset, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.remove(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.remove(request, obj)

    # -- a service's refusal comes back as a message, with nothing written ------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # Raised by a service after the form validated; its transaction rolled back.
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
