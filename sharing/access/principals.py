"""Who is asking: a signed-in user or a partner system, resolved once per request to its groups."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone
from psycopg import sql

from agencies.models import PartnerAPIKey, PartnerSystem, User
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models.agreements import in_force_params, in_force_sql

PrincipalLike = User | AnonymousUser | PartnerSystem | PartnerAPIKey

_CACHE_ATTR = "_bix_principal"

# (party group, agreement, pending) of a country's parties to agreements in force today. This
# is what makes a suspension, termination or expiry cut access at once: the agreement's group
# drops out on the next request, whatever the number of grants it holds (they are removed
# later). A pending agreement (its rows still being written) resolves to its id only: its
# group may hold grants of an earlier period or terms, and is not read until settled.
_IN_FORCE_PARTIES = sql.SQL("""
(SELECT coalesce(array_agg(ARRAY[ap.group_id, ap.agreement_id, (g.pending_since IS NOT NULL)::int]
                           ORDER BY ap.group_id), '{{}}')
 FROM sharing_agreementparty ap JOIN sharing_agreement g ON g.id = ap.agreement_id
 WHERE ap.country_id = {country} AND {in_force})
""")

# A key its partner may use: not revoked and not expired (the library's rule, in SQL).
_USABLE_KEY = sql.SQL("NOT k.revoked AND (k.expiry_date IS NULL OR k.expiry_date > %(now)s)")

# Whose agency a subject acts for; a subject sets one parameter, the other two are NULL. The
# database decides, not the instances a request carries: a key revoked, a partner switched off
# or an agency deactivated a moment ago refuses the very next request.
_SUBJECT_AGENCY = sql.SQL("""
coalesce(
  (SELECT m.agency_id FROM agencies_membership m WHERE m.user_id = %(user)s),
  (SELECT ps.agency_id FROM agencies_partnerapikey k
     JOIN agencies_partnersystem ps ON ps.id = k.partner_id
   WHERE k.id = %(key)s AND ps.is_active AND {usable_key}),
  (SELECT ps.agency_id FROM agencies_partnersystem ps
   WHERE ps.id = %(partner)s AND ps.is_active
     AND EXISTS (SELECT 1 FROM agencies_partnerapikey k
                 WHERE k.partner_id = ps.id AND {usable_key})))
""").format(usable_key=_USABLE_KEY)

# One round trip: the subject's agency (above) if it is active, its agency and country groups,
# the every-agency group, view_report's id and the in-force parties.
_RESOLVE_SQL = (
    sql.SQL("""
SELECT a.id, a.country_id, a.group_id, c.group_id,
       (SELECT id FROM auth_group WHERE name = %(every)s),
       (SELECT p.id FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id
         WHERE ct.app_label = 'sharing' AND ct.model = 'report' AND p.codename = 'view_report'),
       {parties}
FROM agencies_agency a JOIN agencies_country c ON c.id = a.country_id
WHERE a.is_active AND a.id = {agency}
""")
    .format(
        parties=_IN_FORCE_PARTIES.format(
            country=sql.SQL("a.country_id"), in_force=in_force_sql("g")
        ),
        agency=_SUBJECT_AGENCY,
    )
    .as_string()
)
_PARTIES_SQL = (
    sql.SQL("SELECT {parties}")
    .format(
        parties=_IN_FORCE_PARTIES.format(
            country=sql.Placeholder("country"), in_force=in_force_sql("g")
        )
    )
    .as_string()
)


@dataclass(frozen=True)
class Principal:
    agency_id: int | None
    country_id: int | None
    group_ids: tuple[int, ...]  # every group whose grants it sees (visible_to)
    view_permission_id: int | None
    own_group_ids: tuple[int, ...] = ()  # agency, country, every agency
    agreement_ids: tuple[int, ...] = ()  # its country's settled agreements in force today
    # Its country's agreements in force whose rows are still being written: visible_to and
    # newest_visible add what the sharing rule itself gives under them (see queries).
    pending_agreement_ids: tuple[int, ...] = ()


NOBODY = Principal(agency_id=None, country_id=None, group_ids=(), view_permission_id=None)


def _subject_ids(subject: PrincipalLike) -> dict[str, int | str | None] | None:
    """The user, key or partner system to resolve; None: nobody, without asking."""
    ids: dict[str, int | str | None] = {"user": None, "key": None, "partner": None}
    if isinstance(subject, PartnerAPIKey):
        ids["key"] = subject.pk
    elif isinstance(subject, PartnerSystem):
        ids["partner"] = subject.pk
    elif subject.is_authenticated and subject.is_active:
        ids["user"] = subject.pk
    return ids if any(value is not None for value in ids.values()) else None


def resolve(subject: PrincipalLike) -> Principal:
    """The principal's groups, memoised on the object for the rest of the request."""
    cached: Principal | None = getattr(subject, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    ids = _subject_ids(subject)
    principal = NOBODY
    if ids is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                _RESOLVE_SQL,
                {
                    **ids,
                    **in_force_params(timezone.localdate()),
                    "every": EVERY_AGENCY_GROUP,
                    "now": timezone.now(),
                },
            )
            row = cursor.fetchone()
        if row is not None:
            agency, country, agency_group, country_group, every_group, perm, parties = row
            own = tuple(g for g in (agency_group, country_group, every_group) if g is not None)
            settled = [(group, agreement) for group, agreement, pending in parties if not pending]
            principal = Principal(
                agency,
                country,
                own + tuple(group for group, _ in settled),
                perm,
                own_group_ids=own,
                agreement_ids=tuple(agreement for _, agreement in settled),
                pending_agreement_ids=tuple(
                    sorted({agreement for _, agreement, pending in parties if pending})
                ),
            )
    setattr(subject, _CACHE_ATTR, principal)
    return principal


@dataclass(frozen=True)
class InForce:
    """A country's agreements in force today, as its principals resolve them."""

    group_ids: list[int]  # party groups of the settled ones
    pending_agreement_ids: list[int]  # those whose rows are still being written


def in_force_parties(country_id: int) -> InForce:
    with connection.cursor() as cursor:
        params = {"country": country_id, **in_force_params(timezone.localdate())}
        cursor.execute(_PARTIES_SQL, params)
        (parties,) = cursor.fetchone()
    return InForce(
        group_ids=[group for group, _, pending in parties if not pending],
        pending_agreement_ids=sorted({agreement for _, agreement, pending in parties if pending}),
    )


def forget(subject: PrincipalLike) -> None:
    """Drop the memo (e.g. after a membership change in the same request)."""
    if hasattr(subject, _CACHE_ATTR):
        delattr(subject, _CACHE_ATTR)
