"""The full-text document of a report: its tsvector, weighted and in the report's language.

Title (A) > summary (B) > indicators (C) > body (D). Title, summary and body are parsed with
the text configuration of the report's language (stemmed for English, Spanish and French,
`simple` otherwise); indicator values as written and normalised, both with `simple` (a plate
or a passport number is a whole word whatever the language around it) and in the report's
language (a name in a query read by the report's stemmer still meets it).

A generated column cannot read the indicators (another table), so the report services rewrite
the document in the transaction that changes a report or its indicators (`index_reports`): a
search never sees a report's new text with its old document.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

# report language -> PostgreSQL text search configuration
TEXT_CONFIGURATIONS = {"en": "english", "es": "spanish", "fr": "french"}
FALLBACK_CONFIGURATION = "simple"


def configuration_sql(language_column: str) -> str:
    """SQL choosing the text configuration from a report's language column."""
    cases = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in TEXT_CONFIGURATIONS.items())
    return f"(CASE {language_column} {cases} ELSE '{FALLBACK_CONFIGURATION}' END)::regconfig"


DOCUMENT_SQL = """
    setweight(to_tsvector({cfg}, r.title), 'A')
    || setweight(to_tsvector({cfg}, r.summary), 'B')
    || setweight(coalesce((
         SELECT to_tsvector('simple', s.text) || to_tsvector({cfg}, s.text)
         FROM (SELECT string_agg(i.value || ' ' || i.normalized, ' ') AS text
               FROM sharing_indicator AS i WHERE i.report_id = r.id) AS s
       ), ''::tsvector), 'C')
    || setweight(to_tsvector({cfg}, r.body), 'D')
""".format(cfg=configuration_sql("r.language"))  # noqa: S608 - fixed SQL, no input

_INDEX_SQL = (
    f"UPDATE sharing_report AS r SET search_vector = {DOCUMENT_SQL}"  # noqa: S608 - fixed SQL
    " WHERE r.id = ANY(%s)"
)


def index_reports(report_ids: Iterable[int]) -> None:
    """Rewrite the documents of these reports, in the caller's transaction."""
    ids = sorted(set(report_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_INDEX_SQL, [ids])
