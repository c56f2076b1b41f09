"""Every public service writes exactly one audit event of its own action, and the role gates them.

Services are discovered by introspection (agencies.services and the modules of
sharing.services), so a new service without a case here fails the first test.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.utils import timezone

import agencies.services
import sharing.services
from agencies.models import (
    Agency,
    AgencyKind,
    Country,
    Membership,
    PartnerAPIKey,
    PartnerSystem,
    User,
)
from sharing.models import (
    Agreement,
    AgreementParty,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    Category,
    Dissemination,
    Indicator,
    Report,
    ReportFilters,
    Subscription,
    Tlp,
)
from sharing.models.agreements import AgreementChange
from tests.conftest import PASSWORD

Call = Callable[[Any], object]  # the service call, given the actor (a User, or None: the system)


@dataclass(frozen=True)
class Case:
    action: AuditAction
    arrange: Callable[[Callable[[str], Any]], Call]  # given getfixturevalue, the call
    actor: str | None  # fixture name of an actor allowed to make the call


# Public functions of the service modules that are not services, with the reason.
NOT_SERVICES = {
    "membership_role": "reads a user's role in their agency; writes nothing",
    "allowed_changes": "reads which lifecycle changes an agreement's state allows; writes nothing",
    "may_change": "says whether an actor may change a report (the services' rule); writes nothing",
    "check_upload": "reads an upload and says what it is, or why it is refused; writes nothing",
}

# Services without a keyword-only actor, with the reason.
NO_ACTOR = {
    "settle_agreement": "the background step after an agreement leaves force; run by a task",
    "apply_agreement_calendar": "the periodic task that expires agreements and brings them in",
}

# Services not held to one event per call, with the reason.
MANY_EVENTS = {
    "apply_agreement_calendar": (
        "a sweep over every agreement: each one it expires or brings into force gets its own"
        " event, and each settlement that follows gets the settlement's"
    ),
}


def _service_modules() -> list[Any]:
    modules = [agencies.services]
    for info in pkgutil.iter_modules(sharing.services.__path__):
        modules.append(importlib.import_module(f"sharing.services.{info.name}"))
    return modules


def public_services() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for module in _service_modules():
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and name not in NOT_SERVICES
            ):
                assert name not in found, f"two services named {name}"
                found[name] = value
    return found


# -- cases: each arranges what its service needs and returns the call, given the actor ------

Get = Callable[[str], Any]  # request.getfixturevalue
CASES: dict[str, Case] = {}
A = agencies.services
S = sharing.services


def case(
    service: str, action: AuditAction, actor: str | None = "portal_admin"
) -> Callable[[Callable[[Get], Call]], Callable[[Get], Call]]:
    def register(arrange: Callable[[Get], Call]) -> Callable[[Get], Call]:
        CASES[service] = Case(action, arrange, actor)
        return arrange

    return register


def _published(get: Get, **fields: Any) -> Report:
    report: Report = get("publish")(get("alpha_analyst"), **fields)
    return report


def _key(get: Get) -> PartnerAPIKey:
    key, _ = A.create_api_key(get("bravo_partner"), name="case", actor=None)
    return key


def _subscription(get: Get) -> Subscription:
    return S.create_subscription(
        actor=None, agency=get("bravo"), fields={"name": "Drugs"}, categories=[get("drugs")]
    )


def _suspended(get: Get) -> Agreement:
    """agreement_ab suspended by the system; its settlement (a background step) not yet run."""
    agreement: Agreement = get("agreement_ab")
    S.suspend_agreement(agreement, actor=None, reason="breach")
    return agreement


@case("create_country", AuditAction.COUNTRY_CREATED)
def _create_country(get: Get) -> Call:
    return lambda actor: A.create_country(actor=actor, code="XQ", name="Quebecia")


@case("create_agency", AuditAction.AGENCY_CREATED)
def _create_agency(get: Get) -> Call:
    country = get("country_a")
    return lambda actor: A.create_agency(
        actor=actor, code="xa-police", name="XA Police", kind=AgencyKind.POLICE, country=country
    )


@case("change_agency", AuditAction.AGENCY_CHANGED)
def _change_agency(get: Get) -> Call:
    alpha = get("alpha")
    return lambda actor: A.change_agency(alpha, actor=actor, changes={"short_name": "ABG"})


@case("deactivate_agency", AuditAction.AGENCY_DEACTIVATED)
def _deactivate_agency(get: Get) -> Call:
    alpha = get("alpha")
    return lambda actor: A.deactivate_agency(alpha, actor=actor, reason="merged")


@case("reactivate_agency", AuditAction.AGENCY_REACTIVATED)
def _reactivate_agency(get: Get) -> Call:
    alpha = A.deactivate_agency(get("alpha"), actor=None)
    return lambda actor: A.reactivate_agency(alpha, actor=actor)


@case("create_user", AuditAction.USER_CREATED)
def _create_user(get: Get) -> Call:
    return lambda actor: A.create_user(actor=actor, username="newcomer", password=PASSWORD)


@case("change_user", AuditAction.USER_CHANGED)
def _change_user(get: Get) -> Call:
    user = get("alpha_analyst")
    return lambda actor: A.change_user(user, actor=actor, changes={"email": "ana@alpha.example"})


@case("set_user_password", AuditAction.USER_PASSWORD_SET)
def _set_user_password(get: Get) -> Call:
    user = get("alpha_analyst")
    return lambda actor: A.set_user_password(user, actor=actor, password="another horse staple")


@case("deactivate_user", AuditAction.USER_DEACTIVATED)
def _deactivate_user(get: Get) -> Call:
    user = get("alpha_analyst")
    return lambda actor: A.deactivate_user(user, actor=actor)


@case("reactivate_user", AuditAction.USER_REACTIVATED)
def _reactivate_user(get: Get) -> Call:
    user = A.deactivate_user(get("alpha_analyst"), actor=None)
    return lambda actor: A.reactivate_user(user, actor=actor)


@case("grant_portal_admin", AuditAction.ROLE_GRANTED)
def _grant_portal_admin(get: Get) -> Call:
    user = get("alpha_analyst")
    return lambda actor: A.grant_portal_admin(user, actor=actor)


@case("revoke_portal_admin", AuditAction.ROLE_REVOKED)
def _revoke_portal_admin(get: Get) -> Call:
    user = A.grant_portal_admin(get("alpha_analyst"), actor=None)
    return lambda actor: A.revoke_portal_admin(user, actor=actor)


@case("set_membership", AuditAction.MEMBERSHIP_CHANGED)
def _set_membership(get: Get) -> Call:
    user, bravo = get("alpha_analyst"), get("bravo")
    return lambda actor: A.set_membership(user, bravo, actor=actor)


@case("remove_membership", AuditAction.MEMBERSHIP_REMOVED)
def _remove_membership(get: Get) -> Call:
    user = get("alpha_analyst")
    return lambda actor: A.remove_membership(user, actor=actor)


@case("create_partner_system", AuditAction.PARTNER_SYSTEM_CREATED)
def _create_partner_system(get: Get) -> Call:
    alpha = get("alpha")
    return lambda actor: A.create_partner_system(actor=actor, agency=alpha, name="Alpha MISP")


@case("change_partner_system", AuditAction.PARTNER_SYSTEM_CHANGED)
def _change_partner_system(get: Get) -> Call:
    partner = get("bravo_partner")
    hook = {"webhook_url": "https://cases.bravo.example/hooks/bix"}
    return lambda actor: A.change_partner_system(partner, actor=actor, changes=hook)


@case("create_api_key", AuditAction.API_KEY_CREATED)
def _create_api_key(get: Get) -> Call:
    partner = get("bravo_partner")
    return lambda actor: A.create_api_key(partner, name="MISP", actor=actor)


@case("revoke_api_key", AuditAction.API_KEY_REVOKED)
def _revoke_api_key(get: Get) -> Call:
    key = _key(get)
    return lambda actor: A.revoke_api_key(key, actor=actor)


@case("change_api_key_expiry", AuditAction.API_KEY_EXPIRY_CHANGED)
def _change_api_key_expiry(get: Get) -> Call:
    key, later = _key(get), timezone.now() + dt.timedelta(days=30)
    return lambda actor: A.change_api_key_expiry(key, actor=actor, expires_at=later)


@case("create_agreement", AuditAction.AGREEMENT_CREATED)
def _create_agreement(get: Get) -> Call:
    parties, drugs = [get("country_a"), get("country_b")], get("drugs")
    return lambda actor: S.create_agreement(
        actor=actor,
        title="XA-XB drugs",
        reference="MOU/XA-XB/AUDIT",
        parties=parties,
        categories=[drugs],
        max_tlp=Tlp.GREEN,
        valid_from=timezone.localdate(),
    )


@case("activate_agreement", AuditAction.AGREEMENT_ACTIVATED)
def _activate_agreement(get: Get) -> Call:
    draft = get("make_agreement")(
        [get("country_a"), get("country_b")], [get("drugs")], activate=False
    )
    return lambda actor: S.activate_agreement(draft, actor=actor, share_existing=True)


@case("suspend_agreement", AuditAction.AGREEMENT_SUSPENDED)
def _suspend_agreement(get: Get) -> Call:
    agreement = get("agreement_ab")
    return lambda actor: S.suspend_agreement(agreement, actor=actor, reason="breach")


@case("apply_change", AuditAction.AGREEMENT_TERMINATED)
def _apply_change(get: Get) -> Call:
    # The dispatch the admin and the agreement command use: the change's own service records.
    agreement = get("agreement_ab")
    return lambda actor: S.apply_change(
        AgreementChange.TERMINATE, agreement, actor=actor, reason="treaty ended"
    )


@case("reactivate_agreement", AuditAction.AGREEMENT_REACTIVATED)
def _reactivate_agreement(get: Get) -> Call:
    agreement = _suspended(get)
    # Settled first: reactivating an unsettled agreement settles it on the way (its own event).
    S.settle_agreement(agreement.pk)
    return lambda actor: S.reactivate_agreement(agreement, actor=actor)


@case("terminate_agreement", AuditAction.AGREEMENT_TERMINATED)
def _terminate_agreement(get: Get) -> Call:
    agreement = get("agreement_ab")
    return lambda actor: S.terminate_agreement(agreement, actor=actor, reason="treaty ended")


@case("amend_agreement", AuditAction.AGREEMENT_AMENDED)
def _amend_agreement(get: Get) -> Call:
    agreement, drugs = get("agreement_ab"), get("drugs")
    return lambda actor: S.amend_agreement(
        agreement, actor=actor, reason="narrowed", categories=[drugs]
    )


@case("settle_agreement", AuditAction.AGREEMENT_SETTLED, actor=None)
def _settle_agreement(get: Get) -> Call:
    agreement = _suspended(get)
    return lambda actor: S.settle_agreement(agreement.pk)


@case("create_report", AuditAction.REPORT_CREATED, actor="alpha_analyst")
def _create_report(get: Get) -> Call:
    fields = {"title": "Go-fast boat", "category": get("drugs"), "tlp": Tlp.GREEN}
    # Indicators given at creation are covered by the creation's event, not one of their own.
    indicators = [("vessel_imo", "IMO 9074729"), ("phone", "+57 300 000 0000")]
    return lambda actor: S.create_report(actor=actor, fields=fields, indicators=indicators)


@case("add_indicators", AuditAction.INDICATORS_ADDED, actor="alpha_analyst")
def _add_indicators(get: Get) -> Call:
    draft = get("publish")(get("alpha_analyst"), draft=True)
    return lambda actor: S.add_indicators(draft, [("phone", "+57 300 000 0001")], actor=actor)


@case("add_attachment", AuditAction.ATTACHMENT_ADDED, actor="alpha_analyst")
def _add_attachment(get: Get) -> Call:
    get("settings").MEDIA_ROOT = get("tmp_path")
    draft = get("publish")(get("alpha_analyst"), draft=True)
    return lambda actor: S.add_attachment(
        draft, SimpleUploadedFile("notes.txt", b"Seen at the bridge."), actor=actor
    )


@case("export_reports", AuditAction.EXPORTED, actor="alpha_analyst")
def _export_reports(get: Get) -> Call:
    _published(get)
    filters = ReportFilters(category_id=get("drugs").pk)
    return lambda actor: S.export_reports(actor=actor, filters=filters, justification="case")


@case("publish_report", AuditAction.REPORT_PUBLISHED, actor="alpha_analyst")
def _publish_report(get: Get) -> Call:
    draft = get("publish")(get("alpha_analyst"), draft=True)
    return lambda actor: S.publish_report(draft, actor=actor)


@case("edit_report", AuditAction.REPORT_EDITED, actor="alpha_analyst")
def _edit_report(get: Get) -> Call:
    report = _published(get)
    return lambda actor: S.edit_report(report, actor=actor, changes={"title": "Pineapples"})


@case("retract_report", AuditAction.REPORT_RETRACTED, actor="alpha_analyst")
def _retract_report(get: Get) -> Call:
    report = _published(get)
    return lambda actor: S.retract_report(report, actor=actor, reason="wrong vessel")


@case("forward_report", AuditAction.GRANTED, actor="bravo_supervisor")
def _forward_report(get: Get) -> Call:
    get("agreement_ab")  # Bravo receives it under the agreement, then passes it on
    report, charlie = _published(get), get("charlie")
    return lambda actor: S.forward_report(report, charlie, actor=actor, justification="case")


@case("request_access", AuditAction.ACCESS_REQUESTED, actor="charlie_analyst")
def _request_access(get: Get) -> Call:
    report = _published(get)
    return lambda actor: S.request_access(report, actor=actor, justification="joint case")


@case("decide_access_request", AuditAction.ACCESS_APPROVED, actor="alpha_supervisor")
def _decide_access_request(get: Get) -> Call:
    asked = S.request_access(_published(get), actor=get("charlie_analyst"), justification="case")
    return lambda actor: S.decide_access_request(asked, actor=actor, approve=True)


@case("save_search", AuditAction.SEARCH_SAVED, actor="alpha_analyst")
def _save_search(get: Get) -> Call:
    return lambda actor: S.save_search(
        actor=actor, name="Plates", query="ABC 123", filters={"language": "es"}
    )


@case("delete_saved_search", AuditAction.SEARCH_DELETED, actor="alpha_analyst")
def _delete_saved_search(get: Get) -> Call:
    saved = S.save_search(actor=get("alpha_analyst"), name="Plates", query="x", filters={})
    return lambda actor: S.delete_saved_search(saved, actor=actor)


@case("request_access_for_value", AuditAction.ACCESS_REQUESTED, actor="bravo_analyst")
def _request_access_for_value(get: Get) -> Call:
    get("agreement_ab")
    report = _published(get, tlp=Tlp.AMBER_STRICT, recipients=[get("alpha_customs")], draft=True)
    S.add_indicators(report, [("vehicle_plate", "ABC-123")], actor=get("alpha_analyst"))
    S.publish_report(report, actor=get("alpha_analyst"))
    xa = get("country_a")
    return lambda actor: S.request_access_for_value(
        actor=actor, value="abc123", kind="", country=xa, justification="joint case"
    )


@case("add_common_value", AuditAction.COMMON_VALUE_ADDED)
def _add_common_value(get: Get) -> Call:
    return lambda actor: S.add_common_value(actor=actor, type="ip", value="198.51.100.0/24")


@case("remove_common_value", AuditAction.COMMON_VALUE_REMOVED)
def _remove_common_value(get: Get) -> Call:
    get("db")
    entry = S.add_common_value(actor=None, type="", value="placeholder")
    return lambda actor: S.remove_common_value(entry, actor=actor)


@case("create_category", AuditAction.CATEGORY_CREATED)
def _create_category(get: Get) -> Call:
    get("categories")
    return lambda actor: S.create_category(
        actor=actor, code="cultural-goods", name="Cultural goods trafficking"
    )


@case("change_category", AuditAction.CATEGORY_CHANGED)
def _change_category(get: Get) -> Call:
    drugs = get("drugs")
    return lambda actor: S.change_category(
        drugs, actor=actor, changes={"description": "Narcotics and precursors."}
    )


@case("create_subscription", AuditAction.SUBSCRIPTION_CREATED)
def _create_subscription(get: Get) -> Call:
    bravo, drugs = get("bravo"), get("drugs")
    return lambda actor: S.create_subscription(
        actor=actor, agency=bravo, fields={"name": "Drugs"}, categories=[drugs]
    )


@case("change_subscription", AuditAction.SUBSCRIPTION_CHANGED)
def _change_subscription(get: Get) -> Call:
    subscription = _subscription(get)
    return lambda actor: S.change_subscription(
        subscription, actor=actor, changes={"name": "Cocaine"}
    )


@case("delete_subscription", AuditAction.SUBSCRIPTION_DELETED)
def _delete_subscription(get: Get) -> Call:
    subscription = _subscription(get)
    return lambda actor: S.delete_subscription(subscription, actor=actor)


SERVICES = sorted(public_services())
PORTAL_ADMIN_ONLY = sorted(name for name, case in CASES.items() if case.actor == "portal_admin")


def _last_event_id() -> int:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


@pytest.mark.parametrize("name", [name for name in SERVICES if name not in MANY_EVENTS])
def test_every_service_writes_exactly_one_event_of_its_action(
    name: str, request: pytest.FixtureRequest
) -> None:
    assert name in CASES, f"{name} is a service without a case in {__name__}.CASES"
    case = CASES[name]
    call = case.arrange(request.getfixturevalue)
    actor = request.getfixturevalue(case.actor) if case.actor else None
    since = _last_event_id()

    call(actor)

    events = list(AuditEvent.objects.filter(id__gt=since).order_by("id"))
    assert [(e.action, e.outcome) for e in events] == [(case.action, AuditOutcome.SUCCESS)]
    assert events[0].actor_user_id == (actor.pk if actor else None)


@pytest.mark.parametrize("name", [name for name in SERVICES if name not in NO_ACTOR])
def test_every_service_takes_a_keyword_only_actor(name: str) -> None:
    parameter = inspect.signature(public_services()[name]).parameters.get("actor")
    assert parameter is not None, f"{name} takes no actor"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY


def test_every_case_and_exemption_names_a_service() -> None:
    services = set(public_services())
    stale = (set(CASES) | set(NO_ACTOR) | set(MANY_EVENTS)) - services
    assert not stale


# -- the portal-admin role -------------------------------------------------------------------

# What a refused call must leave as it was.
WATCHED: tuple[type[Model], ...] = (
    Country,
    Agency,
    User,
    User.groups.through,
    User.user_permissions.through,
    Group,
    Membership,
    PartnerSystem,
    PartnerAPIKey,
    Agreement,
    AgreementParty,
    Agreement.categories.through,
    Dissemination,
    Category,
    Subscription,
    Report,
    Indicator,
)


def _state() -> dict[str, list[dict[str, Any]]]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in WATCHED
    }


@pytest.mark.parametrize("name", PORTAL_ADMIN_ONLY)
def test_staff_without_the_portal_admin_role_is_refused_and_nothing_changes(
    name: str, request: pytest.FixtureRequest, staff_member: User
) -> None:
    call = CASES[name].arrange(request.getfixturevalue)
    before, since = _state(), _last_event_id()

    with pytest.raises(PermissionDenied):
        call(staff_member)

    assert _state() == before
    assert not AuditEvent.objects.filter(id__gt=since, outcome=AuditOutcome.SUCCESS).exists()


def test_a_superuser_is_a_portal_admin_and_a_role_without_staff_status_is_not(
    country_a: Country,
) -> None:
    from agencies.roles import is_portal_admin

    superuser = User.objects.create_user(username="root", is_staff=True, is_superuser=True)
    assert is_portal_admin(superuser)
    holder = User.objects.create_user(username="holder", is_staff=True)
    A.grant_portal_admin(holder, actor=None)
    holder = User.objects.get(pk=holder.pk)
    assert is_portal_admin(holder)
    holder.is_staff = False
    assert not is_portal_admin(holder)
