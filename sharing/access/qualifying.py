"""The agreement rule as one SQL statement, and the statement helpers the read side needs.

`QUALIFYING` is the set-based form of `rules.agreement_denial(...) is None`: every (agreement,
report, party country, party group) such that the agreement's current terms share the report
with that party. It reads the terms from the agreement's rows, so callers only narrow it
(`WHERE q.agreement_id = … AND q.report_id BETWEEN …`; PostgreSQL flattens the subquery and
pushes such conditions into it). Whether the agreement is in force is the caller's question.
It serves three callers, so they cannot drift apart:

- `sync`: the rows and grants an agreement in force must have (amendments);
- `settlement`: the rows and grants written after an agreement came into force;
- `queries`: what a principal sees under an agreement whose rows are not written yet.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from sharing.models import COUNTRY_TLP_CEILING, ReportState, Tlp

# The category is a join, not `IN (SELECT … WHERE agreement_id = g.id)`: correlated, that
# would be a subplan run once per report. (agreement, category) is unique, so no row doubles.
_QUALIFYING = """
SELECT g.id AS agreement_id, r.id AS report_id, pp.country_id AS country_id,
       pp.group_id AS group_id, r.published_at AS published_at
FROM sharing_agreement g
JOIN sharing_agreementparty pp ON pp.agreement_id = g.id
JOIN sharing_agreementparty po ON po.agreement_id = g.id AND po.country_id <> pp.country_id
JOIN sharing_report r ON r.originator_country_id = po.country_id
JOIN sharing_agreement_categories c ON c.agreement_id = g.id AND c.category_id = r.category_id
WHERE r.state = {published}
  AND r.tlp BETWEEN {lowest} AND least(g.max_tlp, {ceiling})
  AND r.published_at >= g.shares_from
  AND (NOT EXISTS (SELECT 1 FROM sharing_report_rel_to x WHERE x.report_id = r.id)
       OR EXISTS (SELECT 1 FROM sharing_report_rel_to x
                  WHERE x.report_id = r.id AND x.country_id = pp.country_id))
"""

# Named parameters (statements run through a cursor).
QUALIFYING = sql.SQL(_QUALIFYING).format(
    published=sql.Placeholder("published"),
    lowest=sql.Placeholder("lowest"),
    ceiling=sql.Placeholder("ceiling"),
)


def rule_params() -> dict[str, Any]:
    """The enumeration values QUALIFYING compares with (TLP:CLEAR goes to everyone anyway)."""
    return {
        "published": ReportState.PUBLISHED.value,
        "lowest": Tlp.GREEN.value,
        "ceiling": COUNTRY_TLP_CEILING.value,
    }


@dataclass(frozen=True)
class Positional:
    """A fixed statement with `%s` placeholders and the names of its parameters, in order.

    Django embeds RawSQL in the outer query's parameter list, which takes no names; this keeps
    the statement written with names and derives the order once.
    """

    text: str
    names: tuple[str, ...]

    def params(self, values: dict[str, Any]) -> list[Any]:
        return [values[name] for name in self.names]


def positional(template: str, **parts: Positional) -> Positional:
    """`template`'s `{name}` fields as `%s` placeholders; a field named in `parts` embeds that
    statement (its text, and its parameters in place), as often as the field occurs."""
    names: list[str] = []
    fields: dict[str, sql.Composable] = {}
    for _, name, _, _ in string.Formatter().parse(template):
        if name is None:
            continue
        if name in parts:
            fields[name] = sql.SQL(parts[name].text)
            names += parts[name].names
        else:
            fields[name] = sql.Placeholder()
            names.append(name)
    return Positional(sql.SQL(template).format(**fields).as_string(), tuple(names))


QUALIFYING_POSITIONAL = positional(_QUALIFYING)
