"""The hit/no-hit page: values are posted (never in a URL), answered as far as agreements allow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.typing import AuthenticatedHttpRequest
from sharing import audit
from sharing.models import AuditAction, IndicatorType, Priority, Report
from sharing.search.lookup import MAX_VALUE_LENGTH, MAX_VALUES, Lookup, lookup, summary
from sharing.web.access_requests import own_requests
from sharing.web.context import request_context


class LookupForm(forms.Form):
    values = forms.CharField(
        label=_("Values, one per line"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        max_length=MAX_VALUES * (MAX_VALUE_LENGTH + 2),
        help_text=_("Up to 100: plates, documents, phone numbers, names, addresses…"),
        error_messages={"required": _("Give at least one value.")},
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Any type")), *IndicatorType.choices],
        required=False,
        help_text=_("Values are normalised as this type would be, or as every type."),
    )

    def clean_values(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in str(self.cleaned_data["values"]).splitlines():
            value = line.strip()
            if not value:
                continue
            if len(value) > MAX_VALUE_LENGTH:
                raise ValidationError(
                    _("A value is longer than %(limit)s characters."),
                    params={"limit": MAX_VALUE_LENGTH},
                )
            seen.setdefault(value, None)
        values = list(seen)
        if not values:
            raise ValidationError(_("Give at least one value."))
        if len(values) > MAX_VALUES:
            raise ValidationError(
                _("At most %(limit)s values at a time; this has %(count)s."),
                params={"limit": MAX_VALUES, "count": len(values)},
            )
        return values


def _over_rate(request: AuthenticatedHttpRequest) -> bool:
    """Lookups are how a value is tested against every partner's holdings: limited per hour."""
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"lookup-rate:{request.user.pk}:{hour}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) > settings.LOOKUPS_PER_HOUR


def _record(request: AuthenticatedHttpRequest, answered: Lookup, kind: str) -> None:
    """The requester's event (digests and counts), and one per holder agency that was told of."""
    context = request_context(request)
    agency = request.user.agency
    shown = [report for answer in answered.answers for report in answer.visible]
    audit.record(
        request.user,
        AuditAction.HIT_CHECKED,
        shown,
        context=context,
        details={"side": "requester", "type": kind, "values": summary(answered.answers)},
    )
    held_ids = [pk for report_ids, _ in answered.holders.values() for pk in report_ids]
    # Unsaved stand-ins: the record names reports by public id and needs nothing else.
    held = {
        pk: (Report(id=pk, uuid=public_id), code)
        for pk, public_id, code in Report.objects.filter(pk__in=held_ids).values_list(
            "id", "uuid", "originator_agency__code"
        )
    }
    for _agency_id, (report_ids, digests) in sorted(answered.holders.items()):
        reports = [held[pk][0] for pk in sorted(report_ids)]
        audit.record(
            request.user,
            AuditAction.HIT_CHECKED,
            reports,
            context=context,
            recipients=[f"agency:{agency.code}"] if agency else [],
            details={
                "side": "holder",
                "holder_agency": held[min(report_ids)][1],
                "digests": sorted(digests),
                "count": len(report_ids),
            },
        )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lookup_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    base: dict[str, Any] = {
        "own_requests": own_requests(request.user.agency),
        "request_access_url": reverse("lookup-request"),
        "urgencies": Priority.choices,
    }
    if request.method != "POST":
        return render(request, "sharing/lookup.html", {**base, "form": LookupForm()})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "sharing/lookup.html", {**base, "form": form}, status=400)
    if _over_rate(request):
        return render(
            request,
            "sharing/lookup.html",
            {**base, "form": form, "rate_limited": settings.LOOKUPS_PER_HOUR},
            status=429,
        )
    kind = form.cleaned_data["type"]
    with transaction.atomic():
        answered = lookup(request.user, form.cleaned_data["values"], kind)
        _record(request, answered, kind)
    context: dict[str, Any] = {
        **base,
        "form": form,
        "answers": answered.answers,
        "kind": kind,
        "kind_label": IndicatorType(kind).label if kind else "",
    }
    return render(request, "sharing/lookup.html", context)
