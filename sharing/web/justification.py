"""Why someone consults a strictly held report: asked before its body is shown, kept per session.

Consulting a TLP:AMBER+STRICT or TLP:RED report of another agency, exporting reports and
requesting access ask for a short justification (a case reference or a purpose), stored with
the audit event (EU Directive 2016/680, Art. 25: logs of consultation and disclosure show the
justification). On the report page it is asked once per report and session, before the body
is shown. The originator agency reads its own reports without one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agencies.models import User
from sharing import services
from sharing.models import Report, Tlp

STRICT_MARKINGS = frozenset({Tlp.AMBER_STRICT, Tlp.RED})
SESSION_KEY = "justifications"
# Reports remembered per session; the oldest is forgotten first.
REMEMBERED = 200


class JustificationField(forms.CharField):
    """A case reference or purpose: 4 to 200 characters on one line."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Case reference or purpose"))
        kwargs.setdefault(
            "help_text",
            _(
                "Recorded with your consultation in the audit record, "
                "for example “Case 2026/114, smuggling ring at the Port of Kalo”."
            ),
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(min_length=4, max_length=200, strip=True, **kwargs)

    def clean(self, value: Any) -> str:
        text = str(super().clean(value))
        return " ".join(text.split())


class JustificationForm(forms.Form):
    justification = JustificationField()


def needs_justification(report: Report, user: User) -> bool:
    return report.tlp in STRICT_MARKINGS and not services.may_change(report, user)


def remembered(request: HttpRequest, report: Report) -> str:
    return str(request.session.get(SESSION_KEY, {}).get(str(report.uuid), ""))


def remember(request: HttpRequest, report: Report, justification: str) -> None:
    kept: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    kept.pop(str(report.uuid), None)
    kept[str(report.uuid)] = justification
    request.session[SESSION_KEY] = dict(list(kept.items())[-REMEMBERED:])
