"""Access requests: sent from a hit/no-hit answer, decided in the holder supervisors' queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agencies.models import Agency, Country, Role, User
from portal.typing import AuthenticatedHttpRequest
from sharing import audit, services
from sharing.access import Denial, ReportFacts, access_request_denial
from sharing.models import (
    NO_ONWARD_DISSEMINATION,
    AccessRequest,
    AccessRequestState,
    AuditAction,
    IndicatorType,
    Priority,
    Tlp,
)
from sharing.services.access_requests import MAX_JUSTIFICATION
from sharing.web.context import request_context

DECIDERS = (Role.SUPERVISOR, Role.AGENCY_ADMIN)
RECENTLY_DECIDED = 20


class RequestAccessForm(forms.Form):
    value = forms.CharField(max_length=500)
    type = forms.ChoiceField(choices=[("", ""), *IndicatorType.choices], required=False)
    country = forms.ModelChoiceField(queryset=Country.objects.all(), to_field_name="code")
    justification = forms.CharField(
        label=_("Why your agency needs it"), max_length=MAX_JUSTIFICATION
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Priority.choices, coerce=int, initial=Priority.ROUTINE
    )


@login_required
@require_POST
def request_access(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RequestAccessForm(request.POST)
    back = HttpResponseRedirect(reverse("lookup"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return back
    data = form.cleaned_data
    try:
        sent = services.request_access_for_value(
            actor=request.user,
            value=data["value"],
            kind=data["type"],
            country=data["country"],
            justification=data["justification"],
            urgency=data["urgency"],
            context=request_context(request),
        )
    except (ValidationError, PermissionDenied) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
        return back
    messages.success(
        request,
        ngettext(
            "%(count)s request sent to the holder in %(country)s. Its answer will show below.",
            "%(count)s requests sent to the holders in %(country)s. Their answers will show below.",
            len(sent),
        )
        % {"count": len(sent), "country": data["country"].code},
    )
    return back


def own_requests(agency: Agency | None) -> list[AccessRequest]:
    """The requests the agency sent, newest first: no report named until approved."""
    if agency is None:
        return []
    return list(
        AccessRequest.objects.filter(requesting_agency=agency)
        .select_related("report__originator_country")
        .order_by("-created_at")[:RECENTLY_DECIDED]
    )


@dataclass
class Pending:
    request: AccessRequest
    overdue: bool
    warnings: list[str]
    blocked: bool  # approval refused until REL TO is widened


def _warnings(item: AccessRequest) -> tuple[list[str], bool]:
    report = item.report
    country = item.requesting_agency.country
    notes = []
    if report.handling_code in NO_ONWARD_DISSEMINATION:
        notes.append(
            gettext(
                "%(code)s: no onward dissemination without the originator's consent; approving"
                " is that consent."
            )
            % {"code": report.handling_code}
        )
    if report.tlp >= Tlp.AMBER_STRICT:
        notes.append(
            gettext("%(marking)s: only %(agency)s receives it, no one else in %(country)s.")
            % {
                "marking": Tlp(report.tlp).label,
                "agency": item.requesting_agency.name,
                "country": country.code,
            }
        )
    denial = access_request_denial(ReportFacts.of(report), country.pk)
    blocked = denial == Denial.REL_TO
    if blocked:
        notes.append(
            gettext(
                "%(country)s is outside the report's REL TO: approval is refused until the"
                " report is edited to widen REL TO."
            )
            % {"country": country.code}
        )
    return notes, blocked


def _decider_agency(request: AuthenticatedHttpRequest) -> Agency:
    membership = getattr(request.user, "membership", None)
    if membership is None or membership.role not in DECIDERS or not membership.agency.is_active:
        audit.record_denial(
            request.user,
            AuditAction.ACCESS_DENIED,
            context=request_context(request),
            details={"path": request.path, "reason": "not a supervisor"},
        )
        raise Http404("No such page.")
    agency: Agency = membership.agency
    return agency


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The agency's pending requests, due first (overdue marked), and the latest decisions."""
    agency = _decider_agency(request)
    now = timezone.now()
    pending = (
        AccessRequest.objects.filter(
            report__originator_agency=agency, state=AccessRequestState.PENDING
        )
        .select_related("report", "requesting_agency__country", "requested_by", "indicator")
        .prefetch_related("report__rel_to")
        .order_by("due_at", "created_at")
    )
    items = []
    for item in pending:
        notes, blocked = _warnings(item)
        overdue = item.due_at is not None and item.due_at < now
        items.append(Pending(item, overdue, notes, blocked))
    decided = (
        AccessRequest.objects.filter(report__originator_agency=agency)
        .exclude(state=AccessRequestState.PENDING)
        .select_related("report", "requesting_agency__country", "decided_by")
        .order_by("-decided_at")[:RECENTLY_DECIDED]
    )
    return render(
        request,
        "sharing/access_requests.html",
        {
            "pending": items,
            "decided": decided,
            "settings_hours": settings.ACCESS_REQUEST_RESPONSE_HOURS,
        },
    )


class DecisionForm(forms.Form):
    # The button pressed: "approve" or "refuse" is sent by name.
    note = forms.CharField(max_length=2000, required=False)


@login_required
@require_POST
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agency = _decider_agency(request)
    item = AccessRequest.objects.filter(pk=pk, report__originator_agency=agency).first()
    if item is None:
        audit.record_denial(
            request.user,
            AuditAction.ACCESS_DENIED,
            context=request_context(request),
            details={"access_request": pk, "path": request.path},
        )
        raise Http404("No such request.")
    form = DecisionForm(request.POST)
    back = HttpResponseRedirect(reverse("access-requests"))
    pressed = {"approve", "refuse"} & set(request.POST)
    if not form.is_valid() or len(pressed) != 1:
        messages.error(request, gettext("Choose to approve or to refuse."))
        return back
    approve = pressed == {"approve"}
    try:
        services.decide_access_request(
            item,
            actor=request.user,
            approve=approve,
            note=form.cleaned_data["note"],
            context=request_context(request),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return back
    if approve:
        messages.success(
            request,
            gettext("Approved: %(agency)s can see the report now.")
            % {"agency": item.requesting_agency.name},
        )
    else:
        messages.success(request, gettext("Refused; the requester sees your reason."))
    return back


def pending_count(request: HttpRequest) -> dict[str, Any]:
    """Context processor: pending requests to the signed-in supervisor's agency (lazy)."""

    def count() -> int:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return 0
        membership = getattr(user, "membership", None)
        if membership is None or membership.role not in DECIDERS:
            return 0
        return AccessRequest.objects.filter(
            report__originator_agency_id=membership.agency_id, state=AccessRequestState.PENDING
        ).count()

    return {"pending_access_requests": SimpleLazyObject(count)}
