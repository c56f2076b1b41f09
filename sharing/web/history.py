"""A report's version history: what changed from one published version to the next."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sharing.models import (
    Category,
    ContentLanguage,
    HandlingCode,
    InformationCredibility,
    Priority,
    ReportVersion,
    SourceReliability,
    Tlp,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# In the order the report page shows them.
FIELD_LABELS: dict[str, StrOrPromise] = {
    "title": _("Title"),
    "summary": _("Summary"),
    "body": _("Body"),
    "category": _("Category"),
    "tlp": _("Marking"),
    "handling_code": _("Handling code"),
    "source_reliability": _("Source reliability"),
    "information_credibility": _("Information credibility"),
    "priority": _("Priority"),
    "occurred_at": _("Occurred at"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "place": _("Place"),
    "border_sector": _("Border sector"),
    "language": _("Language"),
    "rel_to": _("REL TO"),
    "recipients": _("Named recipients"),
    "indicators": _("Indicators"),
}
# Long text: the history says it changed; the page shows the current text.
WITHOUT_VALUES = {"body", "summary"}
# Who else receives the report is the originator's business (like the dissemination record).
ORIGINATOR_ONLY = {"rel_to", "recipients"}
LISTS = {"rel_to", "recipients", "indicators"}
_CHOICES: dict[str, Any] = {
    "tlp": Tlp,
    "handling_code": HandlingCode,
    "source_reliability": SourceReliability,
    "information_credibility": InformationCredibility,
    "priority": Priority,
    "language": ContentLanguage,
}


@dataclass(frozen=True)
class Change:
    label: StrOrPromise
    before: str | None  # None: not shown (long text, or not for this reader)
    after: str | None
    added: list[str]  # for lists (indicators, REL TO, recipients)
    removed: list[str]


@dataclass(frozen=True)
class VersionEntry:
    version: ReportVersion
    changes: list[Change]


def _listed(value: Any) -> list[str]:
    # Snapshots written before lists were kept as lists hold their Python text form.
    if isinstance(value, str) and value.startswith("["):
        value = ast.literal_eval(value)
    return [str(item) for item in value or []]


def _shown(name: str, value: Any, categories: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if name == "category":
        return categories.get(int(value), str(value))
    if name in _CHOICES:
        try:
            return str(_CHOICES[name](value).label)
        except ValueError:
            return str(value)
    return str(value)


def version_history(
    versions: Sequence[ReportVersion], *, for_originator: bool
) -> list[VersionEntry]:
    """Newest first; each entry lists what differs from the version before it.

    Recipients see which fields changed and the new short values; only the originator agency
    sees earlier values and changes to REL TO and named recipients: an edit often takes
    something out that not every later reader should find in the history.
    """
    ordered = sorted(versions, key=lambda v: v.number)
    category_ids = {
        int(v.snapshot["category"]) for v in ordered if v.snapshot.get("category") is not None
    }
    categories = (
        {c.pk: gettext(c.name) for c in Category.objects.filter(id__in=category_ids)}
        if category_ids
        else {}
    )
    entries = []
    for previous, version in zip([None, *ordered], ordered, strict=False):
        changes = []
        if previous is not None:
            for name, label in FIELD_LABELS.items():
                if name in ORIGINATOR_ONLY and not for_originator:
                    continue
                old, new = previous.snapshot.get(name), version.snapshot.get(name)
                if name in LISTS:
                    old, new = _listed(old), _listed(new)
                if name not in version.snapshot or old == new:
                    continue
                changes.append(_change(name, label, old, new, categories, for_originator))
        entries.append(VersionEntry(version, changes))
    return entries[::-1]


def _change(
    name: str,
    label: StrOrPromise,
    old: Any,
    new: Any,
    categories: dict[int, str],
    for_originator: bool,
) -> Change:
    if name in LISTS:
        before, after = _listed(old), _listed(new)
        return Change(
            label,
            None,
            None,
            added=[item for item in after if item not in before],
            removed=[item for item in before if item not in after] if for_originator else [],
        )
    if name in WITHOUT_VALUES:
        return Change(label, None, None, [], [])
    return Change(
        label,
        _shown(name, old, categories) if for_originator else None,
        _shown(name, new, categories),
        [],
        [],
    )
