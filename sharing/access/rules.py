"""The need-to-know rules as pure functions: who receives a report, and why not.

The rules live in two forms that must agree: `compute_audience` (one report, plain Python,
used on publish/edit/retract, previews and explanations) and the set-based SQL of
`sharing.access.sync` (every report under one agreement, used when an agreement changes).
The property test in tests/sharing/test_visibility_property.py holds both to one reference.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sharing.models import (
    COUNTRY_TLP_CEILING,
    NO_ONWARD_DISSEMINATION,
    AccessRequestState,
    Agreement,
    DisseminationBasis,
    Report,
    ReportState,
    Tlp,
)
from sharing.models.agreements import agreement_is_in_force

# --------------------------------------------------------------------------------------------
# Facts the rules read


@dataclass(frozen=True)
class AgreementTerms:
    id: int
    reference: str
    state: str
    party_ids: frozenset[int]
    category_ids: frozenset[int]
    max_tlp: int
    valid_from: dt.date
    valid_until: dt.date | None
    shares_from: dt.datetime | None
    enforced: bool

    def in_force(self, today: dt.date) -> bool:
        return agreement_is_in_force(
            state=self.state,
            enforced=self.enforced,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            day=today,
        )

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementTerms:
        return cls(
            id=agreement.pk,
            reference=agreement.reference,
            state=agreement.state,
            party_ids=frozenset(c.pk for c in agreement.parties.all()),
            category_ids=frozenset(c.pk for c in agreement.categories.all()),
            max_tlp=agreement.max_tlp,
            valid_from=agreement.valid_from,
            valid_until=agreement.valid_until,
            shares_from=agreement.shares_from,
            enforced=agreement.enforced,
        )


@dataclass(frozen=True)
class ReportFacts:
    state: str
    tlp: int
    handling_code: str
    category_id: int
    originator_agency_id: int
    originator_country_id: int
    published_at: dt.datetime | None
    rel_to: frozenset[int]
    recipient_agency_ids: frozenset[int]
    # (agency, access request, agency's country) of approved requests
    access_grants: frozenset[tuple[int, int, int]] = frozenset()
    # (agency, agency's country, forwarding agency) of live forwards
    forwards: frozenset[tuple[int, int, int]] = frozenset()

    @classmethod
    def of(cls, report: Report, *, published_at: dt.datetime | None = None) -> ReportFacts:
        if not report.pk:  # a report being written, not saved yet: nothing is related to it
            return cls(
                state=report.state,
                tlp=report.tlp,
                handling_code=report.handling_code,
                category_id=report.category_id,
                originator_agency_id=report.originator_agency_id,
                originator_country_id=report.originator_country_id,
                published_at=published_at or report.published_at,
                rel_to=frozenset(),
                recipient_agency_ids=frozenset(),
            )
        access = frozenset(
            report.access_requests.filter(state=AccessRequestState.APPROVED).values_list(
                "requesting_agency_id", "id", "requesting_agency__country_id"
            )
        )
        forwards = frozenset(
            (agency, country, by)
            for agency, country, by in report.disseminations.filter(
                basis=DisseminationBasis.FORWARDED, revoked_at__isnull=True
            ).values_list("recipient_agency_id", "recipient_agency__country_id", "forwarded_by_id")
        )
        return cls(
            state=report.state,
            tlp=report.tlp,
            handling_code=report.handling_code,
            category_id=report.category_id,
            originator_agency_id=report.originator_agency_id,
            originator_country_id=report.originator_country_id,
            published_at=published_at or report.published_at,
            rel_to=frozenset(c.pk for c in report.rel_to.all()),
            recipient_agency_ids=frozenset(a.pk for a in report.recipients.all()),
            access_grants=access,
            forwards=forwards,
        )


@dataclass(frozen=True, order=True)
class Recipient:
    """One line of an audience: a country, an agency, or every agency (both ids empty)."""

    basis: str
    country_id: int | None = None
    agency_id: int | None = None
    agreement_id: int | None = None
    access_request_id: int | None = None
    forwarded_by_id: int | None = None


class Denial(enum.Enum):
    NOT_PUBLISHED = "the report is not published"
    ORIGINATOR_NOT_PARTY = "the originator's country is not a party"
    NOT_PARTY = "the country is not a party"
    NOT_IN_FORCE = "the agreement is not in force"
    CATEGORY = "the agreement does not cover the category"
    COUNTRY_MARKING = "the marking goes to named recipient agencies only"
    MARKING = "the marking is above the agreement's maximum"
    BEFORE_SHARES_FROM = "the report predates what the agreement shares"
    REL_TO = "the country is not in REL TO"
    HANDLING = "the handling code forbids onward dissemination"
    FORWARD_MARKING = "the marking forbids sharing beyond the recipient agency"


def agreement_denial(
    facts: ReportFacts, terms: AgreementTerms, country_id: int, today: dt.date
) -> Denial | None:
    """Why `country_id` gets nothing under `terms` (None: it receives the report)."""
    if facts.state != ReportState.PUBLISHED:
        return Denial.NOT_PUBLISHED
    if facts.originator_country_id not in terms.party_ids:
        return Denial.ORIGINATOR_NOT_PARTY
    if country_id not in terms.party_ids or country_id == facts.originator_country_id:
        return Denial.NOT_PARTY
    if not terms.in_force(today):
        return Denial.NOT_IN_FORCE
    if facts.category_id not in terms.category_ids:
        return Denial.CATEGORY
    if facts.tlp > COUNTRY_TLP_CEILING:
        return Denial.COUNTRY_MARKING
    if facts.tlp > terms.max_tlp:
        return Denial.MARKING
    if terms.shares_from is None or facts.published_at is None:
        return Denial.NOT_IN_FORCE
    if facts.published_at < terms.shares_from:
        return Denial.BEFORE_SHARES_FROM
    if facts.rel_to and country_id not in facts.rel_to:
        return Denial.REL_TO
    return None


def forward_denial(facts: ReportFacts, country_id: int) -> Denial | None:
    """Why a recipient agency may not pass the report to an agency of `country_id`."""
    if facts.state != ReportState.PUBLISHED:
        return Denial.NOT_PUBLISHED
    if facts.handling_code in NO_ONWARD_DISSEMINATION:
        return Denial.HANDLING
    # TLP 2.0: AMBER and above stay within the recipient's organisation.
    if facts.tlp > Tlp.GREEN:
        return Denial.FORWARD_MARKING
    if facts.rel_to and country_id not in facts.rel_to:
        return Denial.REL_TO
    return None


def access_request_denial(facts: ReportFacts, country_id: int) -> Denial | None:
    """Why an approved request cannot give an agency of `country_id` the report.

    The originator consents by approving, so handling codes (H2: consent) and markings (the
    grant goes to the requesting agency alone, as RED and AMBER+STRICT demand) do not stand
    in the way; REL TO does, for a country other than the originator's own.
    """
    if facts.state != ReportState.PUBLISHED:
        return Denial.NOT_PUBLISHED
    if (
        facts.rel_to
        and country_id != facts.originator_country_id
        and country_id not in facts.rel_to
    ):
        return Denial.REL_TO
    return None


def compute_audience(
    facts: ReportFacts, agreements: Iterable[AgreementTerms], today: dt.date
) -> set[Recipient]:
    """The complete audience of a report under the need-to-know rules (DESIGN.md)."""
    audience = {Recipient(DisseminationBasis.ORIGINATOR, agency_id=facts.originator_agency_id)}
    if facts.state != ReportState.PUBLISHED:
        return audience  # drafts and retracted reports stay with their originator agency
    if facts.tlp == Tlp.CLEAR:
        audience.add(Recipient(DisseminationBasis.TLP_CLEAR))
    elif facts.tlp <= COUNTRY_TLP_CEILING:
        audience.add(
            Recipient(DisseminationBasis.ORIGINATOR_COUNTRY, country_id=facts.originator_country_id)
        )
        for terms in agreements:
            for country_id in terms.party_ids:
                if agreement_denial(facts, terms, country_id, today) is None:
                    audience.add(
                        Recipient(
                            DisseminationBasis.AGREEMENT,
                            country_id=country_id,
                            agreement_id=terms.id,
                        )
                    )
    for agency_id in facts.recipient_agency_ids:
        audience.add(Recipient(DisseminationBasis.NAMED_RECIPIENT, agency_id=agency_id))
    for agency_id, request_id, country_id in facts.access_grants:
        if access_request_denial(facts, country_id) is not None:
            continue  # REL TO narrowed since the approval: the grant ends with it
        audience.add(
            Recipient(
                DisseminationBasis.ACCESS_REQUEST, agency_id=agency_id, access_request_id=request_id
            )
        )
    for agency_id, country_id, by in facts.forwards:
        if forward_denial(facts, country_id) is None:
            audience.add(
                Recipient(DisseminationBasis.FORWARDED, agency_id=agency_id, forwarded_by_id=by)
            )
    return audience
