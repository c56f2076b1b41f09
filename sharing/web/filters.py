"""The report list's filters: parsed from the query string into ReportFilters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Country
from sharing.models import Category, ContentLanguage, Priority, ReportFilters, Tlp
from sharing.web.forms import CategoryChoiceField

FILTER_FIELDS = ("category", "tlp", "country", "priority", "language", "since", "until")


def _choices(label: Any, choices: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class ReportListForm(forms.Form):
    """GET parameters of /reports/; every field optional, each one narrows the list."""

    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All categories"),
    )
    tlp = forms.TypedChoiceField(
        label=_("Marking"),
        choices=_choices(_("Any marking"), Tlp.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    country = forms.ModelChoiceField(
        label=_("Originator country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Any country"),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=_choices(_("Any priority"), Priority.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    language = forms.TypedChoiceField(
        label=_("Language"),
        choices=_choices(_("Any language"), ContentLanguage.choices),
        empty_value=None,
        required=False,
    )
    since = forms.DateField(
        label=_("Published from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Published until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The end of the range is before its start."))
        return cleaned

    def filters(self) -> ReportFilters:
        """The valid form's filters; dates are whole UTC days, both ends included."""
        data = self.cleaned_data
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        category: Category | None = data.get("category")
        country: Country | None = data.get("country")
        return ReportFilters(
            category_id=category.pk if category else None,
            tlp=data.get("tlp"),
            originator_country_id=country.pk if country else None,
            priority=data.get("priority"),
            language=data.get("language") or None,
            published_from=_day_start(since) if since else None,
            published_until=_day_start(until + dt.timedelta(days=1)) if until else None,
        )

    def query(self) -> str:
        """The filters as a query string (without the cursor), for page and export links."""
        if not self.is_bound:
            return ""
        pairs = [(name, self.data.get(name, "")) for name in FILTER_FIELDS]
        return urlencode([(name, value) for name, value in pairs if value])

    def active(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.filters())


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
