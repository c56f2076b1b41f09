"""Joining an agency puts a user in its agency and country groups; moving takes them out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, Country, Role, User
from agencies.services import set_membership
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models import AuditAction, AuditEvent


def group_names(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_joining_adds_agency_country_and_every_agency_groups(alpha_analyst: User) -> None:
    assert group_names(alpha_analyst) == {"agency:alpha", "country:XA", EVERY_AGENCY_GROUP}
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).exists()


def test_moving_to_another_agency_leaves_the_old_groups(
    alpha_analyst: User, bravo: Agency, portal_admin: User
) -> None:
    set_membership(alpha_analyst, bravo, Role.ANALYST, actor=portal_admin)
    assert group_names(alpha_analyst) == {"agency:bravo", "country:XB", EVERY_AGENCY_GROUP}


def test_agency_admin_manages_only_their_agency(
    make_member: Callable[..., User], alpha: Agency, bravo: Agency
) -> None:
    admin = make_member("alpha.admin", alpha, Role.AGENCY_ADMIN)
    newcomer = User.objects.create_user(username="newcomer", password="x")
    set_membership(newcomer, alpha, Role.ANALYST, actor=admin)
    with pytest.raises(PermissionDenied):
        set_membership(newcomer, bravo, Role.ANALYST, actor=admin)


def test_usernames_are_unique_whatever_their_case(alpha_analyst: User) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ALPHA.analyst", password="x")


def _form_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin change form as it was rendered (main form and inlines)."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()}
        )
        forms += formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None:
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, list | QuerySet):
                value = [getattr(item, "pk", item) for item in value]
            if isinstance(field.widget, MultiWidget):  # e.g. the split date and time
                for index, part in enumerate(field.widget.decompress(value) or ()):
                    data[f"{form.add_prefix(name)}_{index}"] = part
            else:
                data[form.add_prefix(name)] = value
    return data


def test_user_admin_moves_a_member_through_the_service(
    alpha_analyst: User, bravo: Agency, portal_admin: User
) -> None:
    client = Client()
    client.force_login(portal_admin)
    url = reverse("admin:agencies_user_change", args=[alpha_analyst.pk])
    data = _form_data(client.get(url))
    data["membership-0-agency"] = bravo.pk
    response = client.post(url, data)
    assert response.status_code == 302
    assert group_names(alpha_analyst) == {"agency:bravo", "country:XB", EVERY_AGENCY_GROUP}
    event = AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).latest("id")
    assert event.actor_user == portal_admin
    assert event.details["previous_agency"] == "alpha"


def test_admin_creates_countries_and_agencies_through_the_services(portal_admin: User) -> None:
    client = Client()
    client.force_login(portal_admin)
    response = client.post(
        reverse("admin:agencies_country_add"), {"code": "XQ", "name": "Quebecia"}
    )
    assert response.status_code == 302
    country = Country.objects.get(code="XQ")
    assert country.group.name == "country:XQ"
    response = client.post(
        reverse("admin:agencies_agency_add"),
        {
            "code": "xq-border",
            "name": "Quebecia Border Guard",
            "kind": "border_guard",
            "country": country.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="xq-border")
    assert agency.group.name == Agency.group_name("xq-border")
    # Code and country are fixed afterwards: grants follow the groups named after them.
    form = client.get(reverse("admin:agencies_agency_change", args=[agency.pk]))
    assert {"code", "country"}.isdisjoint(form.context["adminform"].form.fields)
