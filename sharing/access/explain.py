"""Explanations: why a country or agency can or cannot see a report."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from agencies.models import Agency, Country
from sharing.access.grants import agreements_of, every_agency_group
from sharing.access.principals import in_force_parties
from sharing.access.rules import AgreementTerms, Denial, ReportFacts, agreement_denial
from sharing.models import (
    COUNTRY_TLP_CEILING,
    Agreement,
    AgreementState,
    Dissemination,
    DisseminationBasis,
    Report,
    ReportState,
    Tlp,
)

# --------------------------------------------------------------------------------------------
# Explanations


@dataclass(frozen=True)
class Reason:
    granted: bool
    text: str


@dataclass(frozen=True)
class Explanation:
    visible: bool
    reasons: list[Reason]


def _basis_text(row: Dissemination) -> str:
    since = f"since {row.granted_at:%Y-%m-%d %H:%M} UTC"
    match row.basis:
        case DisseminationBasis.TLP_CLEAR:
            return f"TLP:CLEAR reports go to every agency ({since})"
        case DisseminationBasis.ORIGINATOR:
            return f"{row.recipient_agency} is the originator agency ({since})"
        case DisseminationBasis.ORIGINATOR_COUNTRY:
            return f"{row.recipient_country} is the originator's country ({since})"
        case DisseminationBasis.AGREEMENT:
            return f"shared with {row.recipient_country} under agreement {row.agreement} ({since})"
        case DisseminationBasis.NAMED_RECIPIENT:
            return f"{row.recipient_agency} is a named recipient ({since})"
        case DisseminationBasis.ACCESS_REQUEST:
            return f"{row.recipient_agency} was granted access on request ({since})"
        case _:
            return f"forwarded to {row.recipient_agency} by {row.forwarded_by} ({since})"


def explain_visibility(report: Report, target: Country | Agency) -> Explanation:
    """Why `target` (a country as a whole, or one agency) can or cannot see `report`."""
    if isinstance(target, Agency) and not target.is_active:
        # Its people and partner systems resolve to nobody, whatever grants it still holds.
        return Explanation(
            visible=False, reasons=[Reason(False, f"{target} is not active on the portal")]
        )
    if isinstance(target, Agency):
        groups = [target.group_id, target.country.group_id, every_agency_group().pk]
        country = target.country
    else:
        groups = [target.group_id, every_agency_group().pk]
        country = target
    # As principals resolve them: rows under an agreement no longer in force are denied from
    # that instant, before settlement gives them their revoked_at; under a pending one (in
    # force, rows still being written) the rule itself answers, as it does for visible_to.
    in_force = in_force_parties(country.pk)
    groups += in_force.group_ids
    live = (
        report.disseminations.filter(revoked_at__isnull=True, group_id__in=groups)
        .select_related("recipient_country", "recipient_agency", "agreement", "forwarded_by")
        .order_by("granted_at", "id")
    )
    granted = [Reason(True, _basis_text(row)) for row in live]
    if in_force.pending_agreement_ids:
        granted += _pending_shares(report, country, in_force.pending_agreement_ids)
    if granted:
        return Explanation(visible=True, reasons=granted)
    return Explanation(visible=False, reasons=_denials(report, target, country))


def _pending_shares(report: Report, country: Country, pending: list[int]) -> list[Reason]:
    """Shares under pending agreements: what the rule gives, since the agreement's return to
    force or, for a report published or changed since, since its own row."""
    facts = ReportFacts.of(report)
    today = timezone.localdate()
    reasons = []
    for terms in agreements_of(report.originator_country_id, lock=False):
        if terms.id not in pending or agreement_denial(facts, terms, country.pk, today):
            continue
        agreement = Agreement.objects.get(pk=terms.id)
        began = agreement.pending_since or timezone.now()  # set while pending
        row = (
            report.disseminations.filter(
                agreement_id=terms.id,
                recipient_country=country,
                revoked_at__isnull=True,
                granted_at__gte=began,
            )
            .order_by("granted_at")
            .first()
        )
        since = row.granted_at if row is not None else began
        reasons.append(
            Reason(
                True,
                f"shared with {country} under agreement {agreement}"
                f" (since {since:%Y-%m-%d %H:%M} UTC)",
            )
        )
    return reasons


def _denials(report: Report, target: Country | Agency, country: Country) -> list[Reason]:
    facts = ReportFacts.of(report)
    today = timezone.localdate()
    originator = report.originator_country
    marking = Tlp(report.tlp).label
    if facts.state == ReportState.DRAFT:
        return [Reason(False, "the report is a draft; only its originator agency sees it")]
    if facts.state == ReportState.RETRACTED:
        return [Reason(False, "the report was retracted; only its originator agency sees it")]
    if facts.tlp > COUNTRY_TLP_CEILING:
        return [
            Reason(
                False,
                f"{marking} goes only to the originator and named recipient agencies,"
                f" and {target} is not named",
            )
        ]
    if isinstance(target, Agency) and country.pk == originator.pk:
        return [Reason(False, f"{target} is not active on the portal")]
    reasons: list[Reason] = []
    for terms in agreements_of(originator.pk, lock=False):
        if country.pk not in terms.party_ids:
            continue
        denial = agreement_denial(facts, terms, country.pk, today)
        reasons.append(Reason(False, _denial_text(denial, terms, report, country, marking)))
    if not reasons:
        reasons.append(
            Reason(
                False,
                f"no agreement between {originator.code} and {country.code}"
                f" covering '{report.category.name}'",
            )
        )
    if isinstance(target, Agency) and facts.forwards:
        reasons.append(Reason(False, f"{target} has not been forwarded the report"))
    return reasons


def _denial_text(
    denial: Denial | None, terms: AgreementTerms, report: Report, country: Country, marking: str
) -> str:
    ref = terms.reference
    match denial:
        case Denial.NOT_IN_FORCE:
            state = AgreementState(terms.state).label.lower()
            return (
                f"agreement {ref} between {report.originator_country.code} and {country.code}"
                f" is {state}"
                + ("" if terms.state != AgreementState.ACTIVE else " but not in force today")
            )
        case Denial.CATEGORY:
            return f"agreement {ref} does not cover '{report.category.name}'"
        case Denial.MARKING:
            return f"marking {marking} above agreement {ref} maximum {Tlp(terms.max_tlp).label}"
        case Denial.BEFORE_SHARES_FROM:
            since = f"{terms.shares_from:%Y-%m-%d %H:%M}"
            return f"agreement {ref} shares reports published from {since} UTC only"
        case Denial.REL_TO:
            return f"{country.code} is not in the report's REL TO list"
        case None:
            return f"agreement {ref} allows it, but the grant has not been written yet"
        case _:
            return f"agreement {ref}: {denial.value}"
