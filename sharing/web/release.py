"""The release preview in words: who would receive a report, and on what basis."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

from agencies.models import Agency, Country
from sharing.access import Recipient
from sharing.models import Agreement, DisseminationBasis

# Countries first, then agencies; within each, by name.
_ORDER = {"everyone": 0, "country": 1, "agency": 2}


@dataclass(frozen=True)
class AudienceLine:
    kind: str  # "everyone", "country" or "agency"
    who: str
    code: str  # the country's or agency's code ("" for every agency), for tests and styling
    basis: str


def describe_audience(recipients: Iterable[Recipient]) -> list[AudienceLine]:
    """One line per recipient, saying who and why, in the reader's language (four queries)."""
    recipients = list(recipients)
    countries = {c.pk: c for c in Country.objects.filter(id__in={r.country_id for r in recipients})}
    agency_ids = {i for r in recipients for i in (r.agency_id, r.forwarded_by_id) if i}
    agencies = {a.pk: a for a in Agency.objects.select_related("country").filter(id__in=agency_ids)}
    references = dict(
        Agreement.objects.filter(id__in={r.agreement_id for r in recipients}).values_list(
            "id", "reference"
        )
    )
    lines = []
    for r in recipients:
        if r.agency_id:
            agency = agencies[r.agency_id]
            kind, who, code = "agency", str(agency), agency.code
        elif r.country_id:
            country = countries[r.country_id]
            kind, who, code = "country", str(country), country.code
        else:
            kind, who, code = "everyone", gettext("Every agency on the portal"), ""
        lines.append(AudienceLine(kind, who, code, _basis(r, references, agencies)))
    # The same country may be reached under two agreements: one line each, side by side.
    return sorted(lines, key=lambda line: (_ORDER[line.kind], line.who, line.basis))


def _basis(r: Recipient, references: dict[int, str], agencies: dict[int, Agency]) -> str:
    match r.basis:
        case DisseminationBasis.TLP_CLEAR:
            return gettext("TLP:CLEAR reports go to every agency")
        case DisseminationBasis.ORIGINATOR:
            return gettext("the originator agency")
        case DisseminationBasis.ORIGINATOR_COUNTRY:
            return gettext("the originator's country: all its agencies, up to TLP:AMBER")
        case DisseminationBasis.AGREEMENT:
            return gettext("all its agencies, under agreement %(reference)s") % {
                "reference": references.get(r.agreement_id or 0, "?")
            }
        case DisseminationBasis.NAMED_RECIPIENT:
            return gettext("named recipient")
        case DisseminationBasis.ACCESS_REQUEST:
            return gettext("access granted on request")
        case _:
            by = agencies.get(r.forwarded_by_id or 0)
            return gettext("forwarded by %(agency)s") % {"agency": by}
