"""The read side of need-to-know: the SQL behind `visible_to` and `newest_visible`.

Both start from the principal's resolved groups (`sharing.access.principals.resolve`), so a
suspension, a deactivation or a revoked key changes what they return on the next request.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from sharing.access.principals import resolve
from sharing.models.dissemination import DisseminationBasis
from sharing.models.reports import ReportGroupObjectPermission

if TYPE_CHECKING:
    from sharing.models.reports import Report

# Bounds used when a page has no cursor: every published report sorts before them.
_NO_CURSOR: tuple[dt.datetime, int] = (dt.datetime.max.replace(tzinfo=dt.UTC), 2**63 - 1)

# The newest reports a principal may see, read in list order rather than by walking reports
# and probing grants (whose cost grows as the visible share shrinks): the newest grants of
# each of its own groups (index report_grant_newest) and the newest live agreement rows of
# its country under the agreements in force (index dissem_agreement_inbox: one walk however
# many agreements, where the agreement groups would need one each), merged. Those rows and
# the grants of the agreements' party groups are written and removed together.
#
# Positional parameters: Django embeds RawSQL in the outer query's parameter list, which
# takes no names. The statement itself is fixed; only values vary.
_NEWEST_SQL = """
SELECT t.id FROM (
  SELECT DISTINCT w.id, w.published_at FROM (
    SELECT g.content_object_id AS id, g.published_at
    FROM unnest(%s::integer[]) AS own_group(id) CROSS JOIN LATERAL (
      SELECT content_object_id, published_at FROM sharing_reportgroupobjectpermission
      WHERE group_id = own_group.id AND permission_id = %s AND published_at IS NOT NULL
        AND published_at <= %s AND (published_at < %s OR content_object_id < %s)
      ORDER BY published_at DESC, content_object_id DESC
      LIMIT %s
    ) AS g
    UNION ALL
    (SELECT DISTINCT ON (published_at, report_id) report_id, published_at
     FROM sharing_dissemination
     WHERE recipient_country_id = %s AND basis = %s AND revoked_at IS NULL
       AND agreement_id = ANY(%s::bigint[])
       AND published_at <= %s AND (published_at < %s OR report_id < %s)
     ORDER BY published_at DESC, report_id DESC
     LIMIT %s)
  ) AS w
  ORDER BY w.published_at DESC, w.id DESC
  LIMIT %s
) AS t
"""


def visible_to(reports: QuerySet[Report], subject: Any) -> QuerySet[Report]:
    """`reports` narrowed to those the subject may see (ReportQuerySet.visible_to)."""
    principal = resolve(subject)
    if not principal.group_ids or principal.view_permission_id is None:
        return reports.none()
    grants = ReportGroupObjectPermission.objects.filter(
        permission_id=principal.view_permission_id, group_id__in=principal.group_ids
    ).values("content_object_id")
    return reports.filter(id__in=grants)


def newest_visible(
    reports: QuerySet[Report], subject: Any, size: int, before: tuple[dt.datetime, int] | None
) -> QuerySet[Report]:
    """The `size` newest published reports the subject may see (ReportQuerySet.newest_visible)."""
    principal = resolve(subject)
    if not principal.group_ids or principal.view_permission_id is None or size < 1:
        return reports.none()
    at, pk = before or _NO_CURSOR
    params = [
        list(principal.own_group_ids),
        principal.view_permission_id,
        at,
        at,
        pk,
        size,
        # No agreement in force: NULL matches no row, so that walk is skipped outright
        # (else it would pass over the rows of agreements suspended but not yet settled).
        principal.country_id if principal.agreement_ids else None,
        DisseminationBasis.AGREEMENT.value,
        list(principal.agreement_ids),
        at,
        at,
        pk,
        size,
        size,
    ]
    newest = RawSQL(_NEWEST_SQL, params)  # noqa: S611 - fixed SQL, values are parameters
    return reports.filter(id__in=newest).order_by("-published_at", "-id")
