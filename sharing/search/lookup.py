"""Hit/no-hit: which of these values do reports hold, told only as far as agreements allow.

For each value, normalised as its indicator type would be (or as every type when none is
given), a principal learns:

- the matching published reports it may see, in full;
- for matches it may not see, only how many each country holds, and only for countries that
  share an agreement in force with its own (any scope), as Prüm and Europol's EIS answer "hit"
  and who holds it;
- nothing at all about matches held by any other country: not a count, not a "very common"
  flag, not a line in the audit record.

Values on the stop-list are not looked up; a value held by more reports than
CORRELATION_VERY_COMMON (counting only what the principal may learn of) is flagged instead of
detailed. Values are recorded only as HMAC digests (`value_digest`), on both sides.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from agencies.models import Country
from sharing.access import resolve
from sharing.indicators import normalize
from sharing.models import AgreementParty, IndicatorType, Report, ReportState
from sharing.search.common import StopList

MAX_VALUES = 100
MAX_VALUE_LENGTH = 500


def value_digest(kind: str, normalized: str) -> str:
    """HMAC-SHA256 of a normalised value under LOOKUP_HASH_KEY: the only form the record keeps.

    The holder and the requester of a hit find the same digest in their events; without the
    key, nobody can test a guessed value against the record.
    """
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Held:
    country: Country
    count: int


@dataclass
class Answer:
    value: str
    kind: str  # the type asked for, or "" for every type
    candidates: set[tuple[str, str]] = field(default_factory=set)
    common: bool = False
    very_common: bool = False
    visible: list[Report] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    # (type, normalised) pairs that matched something the principal may learn of
    matched: set[tuple[str, str]] = field(default_factory=set)
    # country id -> the hidden reports counted in `held`: for access requests, never shown
    hidden_ids: dict[int, set[int]] = field(default_factory=dict, repr=False)

    @property
    def hit(self) -> bool:
        return bool(self.visible or self.held)

    def digests(self) -> list[str]:
        pairs = self.matched
        if not pairs:
            # Nothing matched: the value as asked, so the record still tells lookups apart.
            kind = self.kind or "*"
            pairs = {(kind, normalize(self.kind, self.value) if self.kind else self.value.lower())}
        return sorted(value_digest(kind, value) for kind, value in pairs)


@dataclass
class Lookup:
    answers: list[Answer]
    # holder agency id -> (reports of that agency a partner matched, their digests)
    holders: dict[int, tuple[set[int], set[str]]]


def candidates_of(value: str, kind: str) -> set[tuple[str, str]]:
    kinds = [kind] if kind else list(IndicatorType.values)
    pairs = {(k, normalize(k, value)) for k in kinds}
    return {(k, v) for k, v in pairs if v}


_MATCH_SQL = """
SELECT c.position, i.type, i.normalized, r.id, r.originator_agency_id, r.originator_country_id
FROM unnest(%s::integer[], %s::text[], %s::text[]) AS c(position, type, normalized)
JOIN sharing_indicator AS i ON i.type = c.type AND i.normalized = c.normalized
JOIN sharing_report AS r ON r.id = i.report_id AND r.state = %s
"""


def partner_countries(principal: Any) -> set[int]:
    """Countries sharing an agreement in force with the principal's country (any scope)."""
    resolved = resolve(principal)
    agreements = {*resolved.agreement_ids, *resolved.pending_agreement_ids}
    if not agreements or resolved.country_id is None:
        return set()
    parties = AgreementParty.objects.filter(agreement_id__in=agreements).values_list(
        "country_id", flat=True
    )
    return set(parties) - {resolved.country_id}


def lookup(principal: Any, values: list[str], kind: str = "") -> Lookup:
    """Answer each value (at most MAX_VALUES, already stripped and de-duplicated)."""
    if len(values) > MAX_VALUES:
        raise ValueError(f"at most {MAX_VALUES} values")
    stop = StopList.load()
    answers = [Answer(value=value, kind=kind) for value in values]
    positions, kinds, normals = [], [], []
    for position, answer in enumerate(answers):
        answer.candidates = candidates_of(answer.value, kind)
        answer.common = any(stop.covers(k, answer.value, v) for k, v in answer.candidates)
        if answer.common:
            continue
        for k, v in sorted(answer.candidates):
            positions.append(position)
            kinds.append(k)
            normals.append(v)
    if not positions:
        return Lookup(answers, {})
    with connection.cursor() as cursor:
        cursor.execute(_MATCH_SQL, [positions, kinds, normals, ReportState.PUBLISHED])
        rows = cursor.fetchall()
    report_ids = {row[3] for row in rows}
    visible = {
        report.pk: report
        for report in Report.objects.visible_to(principal)
        .filter(pk__in=report_ids)
        .select_related("category", "originator_agency__country")
    }
    partners = partner_countries(principal)
    countries = Country.objects.in_bulk({row[5] for row in rows if row[5] in partners})
    # Per answer: its visible reports, and the hidden ones it may learn of, by country.
    seen: dict[int, set[int]] = defaultdict(set)
    hidden: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    hidden_agency: dict[int, int] = {}
    for position, k, normalized, report_id, agency_id, country_id in rows:
        answer = answers[position]
        if report_id in visible:
            seen[position].add(report_id)
        elif country_id in partners:
            hidden[position][country_id].add(report_id)
            hidden_agency[report_id] = agency_id
        else:
            continue  # no trace of it
        answer.matched.add((k, normalized))
    holders: dict[int, tuple[set[int], set[str]]] = {}
    very_common = settings.CORRELATION_VERY_COMMON
    for position, answer in enumerate(answers):
        total = len(seen[position]) + sum(len(ids) for ids in hidden[position].values())
        if total > very_common:
            answer.very_common = True
            continue
        answer.visible = sorted(
            (visible[i] for i in seen[position]),
            key=lambda r: (r.published_at, r.pk),
            reverse=True,
        )
        answer.hidden_ids = {c: set(ids) for c, ids in hidden[position].items()}
        answer.held = sorted(
            (Held(countries[c], len(ids)) for c, ids in hidden[position].items()),
            key=lambda h: (-h.count, h.country.code),
        )
        digests = set(answer.digests())
        for ids in hidden[position].values():
            for report_id in ids:
                reports, holder_digests = holders.setdefault(
                    hidden_agency[report_id], (set(), set())
                )
                reports.add(report_id)
                holder_digests |= digests
    return Lookup(answers, holders)


def summary(answers: list[Answer]) -> list[dict[str, Any]]:
    """What the requester's audit event keeps of each answer: digests and counts only."""
    return [
        {
            "digests": answer.digests(),
            "common": answer.common,
            "very_common": answer.very_common,
            "visible": len(answer.visible),
            "held": {held.country.code: held.count for held in answer.held},
        }
        for answer in answers
    ]


def counts(answers: list[Answer]) -> Counter[str]:
    tally: Counter[str] = Counter()
    for answer in answers:
        tally["hit" if answer.hit else "common" if answer.common else "no_hit"] += 1
    return tally
