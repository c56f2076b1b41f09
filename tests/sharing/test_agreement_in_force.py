""" "In force" has one definition in three forms (Python, ORM, SQL), and they agree.

"Due" (active, the day inside the validity window) is what the calendar brings into force;
"in force" (due and brought into force) is what shares.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from psycopg import sql

from agencies.models import Country
from sharing.access import AgreementTerms
from sharing.models import Agreement, AgreementParty, AgreementState, Tlp
from sharing.models.agreements import in_force_params, in_force_sql


def _every_kind_of_agreement(day: dt.date, parties: list[Country]) -> list[Agreement]:
    near = [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    agreements = []
    for n, (state, enforced, valid_from, valid_until) in enumerate(
        itertools.product(AgreementState, (False, True), near, [None, *near])
    ):
        if enforced and state != AgreementState.ACTIVE:
            continue  # a database constraint forbids it
        if valid_until is not None and valid_until < valid_from:
            continue
        agreement = Agreement.objects.create(
            title=f"Kind {n}",
            reference=f"KIND/{n}",
            state=state,
            enforced=enforced,
            valid_from=valid_from,
            valid_until=valid_until,
            max_tlp=Tlp.GREEN,
            shares_from=timezone.now(),
        )
        for country in parties:  # a constraint trigger wants two at commit
            group = Group.objects.create(name=AgreementParty.group_name(agreement.pk, country.code))
            AgreementParty.objects.create(agreement=agreement, country=country, group=group)
        agreements.append(agreement)
    return agreements


def _sql_in_force(day: dt.date) -> set[int]:
    query = sql.SQL("SELECT g.id FROM sharing_agreement g WHERE {}").format(in_force_sql("g"))
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(), in_force_params(day))
        return {pk for (pk,) in cursor.fetchall()}


def test_python_orm_and_sql_agree_on_which_agreements_are_in_force(
    country_a: Country, country_b: Country
) -> None:
    day = timezone.localdate()
    agreements = _every_kind_of_agreement(day, [country_a, country_b])
    in_force = {a.pk for a in agreements if a.is_in_force(day)}
    due = {a.pk for a in agreements if a.is_due(day)}

    assert in_force  # the grid holds both kinds, so the comparisons below can fail
    assert due - in_force
    assert set(Agreement.objects.in_force_on(day).values_list("pk", flat=True)) == in_force
    assert _sql_in_force(day) == in_force
    assert {a.pk for a in agreements if AgreementTerms.of(a).in_force(day)} == in_force
    assert set(Agreement.objects.due_on(day).values_list("pk", flat=True)) == due
    assert in_force == {a.pk for a in agreements if a.pk in due and a.enforced}
