"""Who is asking: a signed-in user or a partner system, resolved once per request to its groups."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from agencies.models import PartnerAPIKey, PartnerSystem, User
from sharing.constants import EVERY_AGENCY_GROUP

PrincipalLike = User | AnonymousUser | PartnerSystem | PartnerAPIKey

_CACHE_ATTR = "_bix_principal"

# (party group, agreement) of a country's parties to agreements in force today. This is what
# makes a suspension, termination or expiry cut access at once: the agreement's group drops
# out on the next request, whatever the number of grants it holds (they are removed later).
_IN_FORCE_PARTIES_SQL = """
ARRAY(SELECT ARRAY[ap.group_id, ap.agreement_id] FROM sharing_agreementparty ap
      JOIN sharing_agreement g ON g.id = ap.agreement_id
      WHERE ap.country_id = {country} AND g.state = 'active' AND g.enforced
        AND g.valid_from <= %(today)s
        AND (g.valid_until IS NULL OR g.valid_until >= %(today)s)
      ORDER BY ap.group_id)
"""

# One round trip: the agency and country groups, the every-agency group, view_report's id and
# the in-force parties above.
_RESOLVE_SQL = f"""
SELECT a.id, a.country_id, a.group_id, c.group_id,
       (SELECT id FROM auth_group WHERE name = '{EVERY_AGENCY_GROUP}'),
       (SELECT p.id FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id
         WHERE ct.app_label = 'sharing' AND ct.model = 'report' AND p.codename = 'view_report'),
       {_IN_FORCE_PARTIES_SQL.format(country="a.country_id")}
FROM agencies_agency a JOIN agencies_country c ON c.id = a.country_id
WHERE a.is_active AND a.id = %(subject)s
"""  # noqa: S608 - constants only; values are parameters
_RESOLVE_USER_SQL = _RESOLVE_SQL.replace(
    "WHERE a.is_active AND a.id = %(subject)s",
    "JOIN agencies_membership m ON m.agency_id = a.id"
    " WHERE a.is_active AND m.user_id = %(subject)s",
)


@dataclass(frozen=True)
class Principal:
    agency_id: int | None
    country_id: int | None
    group_ids: tuple[int, ...]  # every group whose grants it sees (visible_to)
    view_permission_id: int | None
    own_group_ids: tuple[int, ...] = ()  # agency, country, every agency
    agreement_ids: tuple[int, ...] = ()  # its country's agreements in force today


NOBODY = Principal(agency_id=None, country_id=None, group_ids=(), view_permission_id=None)


def _query_for(subject: PrincipalLike) -> tuple[str, int] | None:
    if isinstance(subject, PartnerAPIKey):
        subject = subject.partner
    if isinstance(subject, PartnerSystem):
        return (_RESOLVE_SQL, subject.agency_id) if subject.is_active else None
    if not subject.is_authenticated or not subject.is_active or subject.pk is None:
        return None
    return _RESOLVE_USER_SQL, subject.pk


def resolve(subject: PrincipalLike) -> Principal:
    """The principal's groups, memoised on the object for the rest of the request."""
    cached = getattr(subject, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    query = _query_for(subject)
    principal = NOBODY
    if query is not None:
        with connection.cursor() as cursor:
            sql, subject_id = query
            cursor.execute(sql, {"subject": subject_id, "today": timezone.localdate()})
            row = cursor.fetchone()
        if row is not None:
            agency, country, agency_group, country_group, every_group, perm, parties = row
            own = tuple(g for g in (agency_group, country_group, every_group) if g is not None)
            principal = Principal(
                agency,
                country,
                own + tuple(group for group, _ in parties),
                perm,
                own_group_ids=own,
                agreement_ids=tuple(agreement for _, agreement in parties),
            )
    setattr(subject, _CACHE_ATTR, principal)
    return principal


def in_force_party_groups(country_id: int) -> list[int]:
    """The groups a country's principals resolve to for its agreements in force today."""
    with connection.cursor() as cursor:
        sql = "SELECT " + _IN_FORCE_PARTIES_SQL.format(country="%(country)s")
        cursor.execute(sql, {"country": country_id, "today": timezone.localdate()})
        (parties,) = cursor.fetchone()
    return [group for group, _ in parties]


def forget(subject: PrincipalLike) -> None:
    """Drop the memo (e.g. after a membership change in the same request)."""
    if hasattr(subject, _CACHE_ATTR):
        delattr(subject, _CACHE_ATTR)
