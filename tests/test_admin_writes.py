"""No model admin writes a row except through a service.

Walks every admin registered on the site as a superuser would see it (every permission, so
every write an admin can offer is offered) and fails on one that can add, change or delete,
directly or through an inline or an action, without being a ServiceAdmin whose write hooks
are left as ServiceAdmin made them (each hands the form to a service, none saves a row).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.contrib.admin.actions import delete_selected
from django.db.models import Model
from django.test import RequestFactory

from agencies.models import User
from portal.admin import WRITE_HOOKS, ServiceAdmin
from sharing.admin.base import ReadOnlyAdmin
from sharing.models import Category

# Admins allowed to write rows directly, by model label, each with the reason it is harmless.
# Nothing is on it: every admin that writes does so through a service.
ALLOWED_DIRECT_WRITES: dict[str, str] = {}

OUR_PACKAGES = ("agencies", "portal", "sharing")


def _superuser_request() -> Any:
    request = RequestFactory().get("/admin/")
    # Unsaved: a superuser's permissions are answered without the database.
    request.user = User(username="probe", is_superuser=True, is_staff=True, is_active=True)
    return request


def _writes(model_admin: admin.ModelAdmin[Any], request: Any) -> list[str]:
    """What the admin lets a superuser write: permissions, inlines' permissions, actions."""
    found = [
        verb
        for verb, allowed in (
            ("add", model_admin.has_add_permission(request)),
            ("change", model_admin.has_change_permission(request)),
            ("delete", model_admin.has_delete_permission(request)),
        )
        if allowed
    ]
    for inline in model_admin.get_inline_instances(request):
        if (
            inline.has_add_permission(request, None)
            or inline.has_change_permission(request)
            or inline.has_delete_permission(request)
        ):
            found.append(f"inline {inline.model._meta.label_lower}")
    for location in ActionLocation:
        found += [
            f"action {name}" for name in model_admin.get_actions(request, action_location=location)
        ]
    return found


def _problems(model: type[Model], model_admin: admin.ModelAdmin[Any], request: Any) -> list[str]:
    label = model._meta.label_lower
    writes = _writes(model_admin, request)
    if not writes or label in ALLOWED_DIRECT_WRITES:
        return []
    name = f"{label} ({type(model_admin).__qualname__}, can {', '.join(writes)})"
    if not isinstance(model_admin, ServiceAdmin):
        return [f"{name} is not a ServiceAdmin"]
    problems = [
        f"{name} overrides {hook}"
        for hook in WRITE_HOOKS
        if getattr(type(model_admin), hook) is not getattr(ServiceAdmin, hook)
    ]
    for location in ActionLocation:
        for action_name, action in model_admin.get_actions(
            request, action_location=location
        ).items():
            if action is None:
                continue
            func = action.func
            # delete_selected deletes through delete_queryset, which ServiceAdmin keeps final.
            if func is not delete_selected and func.__module__.split(".")[0] not in OUR_PACKAGES:
                problems.append(f"{name} offers the foreign action {action_name}")
    return problems


def test_every_admin_that_writes_does_so_through_services() -> None:
    request = _superuser_request()
    problems = [
        problem
        for model, model_admin in admin.site._registry.items()
        for problem in _problems(model, model_admin, request)
    ]
    assert not problems, "Admins writing around the services:\n" + "\n".join(problems)


def test_the_walk_sees_the_admins_that_do_write() -> None:
    # Guards the test above against a probe that sees no write at all.
    request = _superuser_request()
    writing = {
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if _writes(model_admin, request)
    }
    assert {"agencies.agency", "agencies.user", "sharing.agreement"} <= writing


def test_allowed_direct_writes_name_registered_models_and_give_reasons() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    for label, reason in ALLOWED_DIRECT_WRITES.items():
        assert label in registered, f"{label} is not registered any more"
        assert reason.strip(), f"{label} needs a reason"


def test_an_admin_implementing_no_service_hook_saves_nothing() -> None:
    model_admin = ReadOnlyAdmin(Category, admin.site)
    request = _superuser_request()
    category = Category(code="x", name="X")
    assert not _writes(model_admin, request)
    with pytest.raises(NotImplementedError):
        model_admin.save_model(request, category, form=None, change=False)
    with pytest.raises(NotImplementedError):
        model_admin.delete_model(request, category)
