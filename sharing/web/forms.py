"""The editor's forms: they parse and check input; the services decide and write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Country
from sharing import services
from sharing.attachments import allowed_types_text
from sharing.indicators import normalize
from sharing.models import (
    Category,
    ContentLanguage,
    HandlingCode,
    IndicatorType,
    InformationCredibility,
    Priority,
    Report,
    SourceReliability,
    Tlp,
)

COORDINATE = Decimal("0.00001")  # what Report.latitude and longitude keep (5 decimal places)
DATETIME_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


class CategoryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Category) -> str:
        return gettext(obj.name)  # reference names are stored in English, marked for translation


class MinuteDateTimeField(forms.DateTimeField):
    """A datetime-local input shows minutes: seconds stored before are no change of the user's."""

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(initial, dt.datetime):
            initial = initial.replace(second=0, microsecond=0)
        return super().has_changed(initial, data)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type="file" multiple>; each is checked on its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for messages in error.message_dict.values() for m in messages]
    return [str(m) for m in error.messages]


class ReportForm(forms.Form):
    """Every field an analyst writes; names match the services' EDITABLE_FIELDS, REL TO and
    recipients, so the view hands the cleaned values over as they are."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences; lists and alerts show them."),
    )
    body = forms.CharField(
        label=_("Body"),
        max_length=100_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Markdown: **bold**, *italic*, lists, > quotes, [links](https://…) and tables."
            " Images, scripts and other HTML are removed when the report is shown."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=ContentLanguage.choices,
        help_text=_("The report is shown to every reader as you write it; it is not translated."),
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="code",
        empty_label="—",
        help_text=_("Agreements share reports by category."),
    )
    tlp = forms.TypedChoiceField(
        label=_("Marking (TLP 2.0)"), choices=Tlp.choices, coerce=int, widget=forms.RadioSelect
    )
    handling_code = forms.ChoiceField(label=_("Handling code"), choices=HandlingCode.choices)
    rel_to = forms.ModelMultipleChoiceField(
        label=_("Releasable to (REL TO)"),
        queryset=Country.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick none to share with every country an agreement allows; tick some to share"
            " with those countries only."
        ),
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Named recipient agencies"),
        queryset=Agency.objects.filter(is_active=True).select_related("country"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "They receive the report whatever the agreements say; TLP:AMBER+STRICT and TLP:RED"
            " reports go to them alone."
        ),
    )
    source_reliability = forms.ChoiceField(
        label=_("Source reliability"), choices=SourceReliability.choices
    )
    information_credibility = forms.TypedChoiceField(
        label=_("Information credibility"), choices=InformationCredibility.choices, coerce=int
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    occurred_at = MinuteDateTimeField(
        label=_("Occurred at (UTC)"),
        required=False,
        input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        localize=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Decimal degrees, −90 to 90 (north is positive)."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        localize=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Decimal degrees, −180 to 180 (east is positive)."),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    border_sector = forms.CharField(
        label=_("Border sector or crossing point"), max_length=200, required=False
    )
    change_note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        help_text=_("Shown to recipients in the report's history."),
    )
    attachments = MultipleFileField(label=_("Add files"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limit is a setting, and the list is named in the reader's language.
        self.fields["attachments"].help_text = gettext(
            "Up to %(limit)s each; %(types)s, recognised by their content."
        ) % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES), "types": allowed_types_text()}

    def clean_occurred_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("occurred_at")
        # A minute's grace for clocks that differ a little.
        if value is not None and value > timezone.now() + dt.timedelta(minutes=1):
            raise ValidationError(_("This is in the future; give the time it happened (UTC)."))
        return value

    def _coordinate(self, name: str) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get(name)
        if value is None:
            return None
        # More decimals than a metre's worth are rounded, not refused.
        return value.quantize(COORDINATE, rounding=ROUND_HALF_UP)

    def clean_latitude(self) -> Decimal | None:
        return self._coordinate("latitude")

    def clean_longitude(self) -> Decimal | None:
        return self._coordinate("longitude")

    def clean_attachments(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data.get("attachments") or []
        problems: list[str] = []
        for upload in files:
            try:
                services.check_upload(upload)
            except ValidationError as refused:
                problems += _messages(refused)
        if problems:
            raise ValidationError(problems)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        latitude, longitude = data.get("latitude"), data.get("longitude")
        both_read = "latitude" not in self.errors and "longitude" not in self.errors
        if both_read and (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        return data

    @classmethod
    def initial_of(cls, report: Report) -> dict[str, Any]:
        """The form's starting values for an existing report."""
        names = [name for name in cls.base_fields if name not in ("attachments", "change_note")]
        initial = {name: getattr(report, name) for name in names if hasattr(report, name)}
        initial["category"] = report.category
        initial["rel_to"] = list(report.rel_to.all())
        initial["recipients"] = list(report.recipients.select_related("country"))
        return initial

    def recipients_by_country(self) -> list[tuple[str, list[Any]]]:
        """The recipient check boxes grouped under their country's name (agencies come ordered
        by country), for the template."""
        groups: dict[str, list[Any]] = {}
        for box in self["recipients"]:
            agency = box.data["value"].instance
            groups.setdefault(str(agency.country), []).append(box)
        return list(groups.items())


class IndicatorForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", "—"), *IndicatorType.choices], required=False
    )
    value = forms.CharField(label=_("Value"), max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        kind, value = data.get("type"), (data.get("value") or "").strip()
        if value and not kind:
            self.add_error("type", _("Choose what kind of value this is."))
        elif kind and not value:
            self.add_error("value", _("Give the value, or set the type back to “—”."))
        elif kind and not normalize(kind, value):
            self.add_error("value", _("This value has nothing left once normalised."))
        data["value"] = value
        return data


class BaseIndicatorFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """New indicators; a value given twice, or already on the report, is refused on its row."""

    def __init__(self, *args: Any, existing: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (type, normalised) -> the value as first written
        self.existing = {(kind, normalize(kind, value)): value for kind, value in existing}

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = dict(self.existing)
        for form in self.forms:
            kind, value = form.cleaned_data.get("type"), form.cleaned_data.get("value")
            if not kind or not value:
                continue
            key = (kind, normalize(kind, value))
            if key in seen:
                form.add_error(
                    "value",
                    ValidationError(
                        _("Listed already: “%(value)s” is the same %(type)s as “%(first)s”."),
                        params={
                            "value": value,
                            "type": str(IndicatorType(kind).label).lower(),
                            "first": seen[key],
                        },
                    ),
                )
            else:
                seen[key] = value

    def indicators(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["type"], form.cleaned_data["value"])
            for form in self.forms
            if form.cleaned_data.get("type") and form.cleaned_data.get("value")
        ]


IndicatorFormSet = cast(
    type[BaseIndicatorFormSet],
    forms.formset_factory(
        IndicatorForm, formset=BaseIndicatorFormSet, extra=2, max_num=200, validate_max=True
    ),
)


class RetractForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the report retracted?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded, and shown to your agency; partners lose the report at once."),
    )


def field_errors_from(form: forms.Form, error: ValidationError, fields: Sequence[str]) -> None:
    """A service's refusal shown where it belongs: on its field when the form has that field."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ReleaseForm(forms.Form):
    """The fields the release preview depends on, read leniently: a value that does not parse is
    left out of the preview rather than stopping it (the editor's own form reports it)."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), to_field_name="code", required=False
    )
    tlp = forms.TypedChoiceField(choices=Tlp.choices, coerce=int, required=False, empty_value=None)
    handling_code = forms.ChoiceField(choices=HandlingCode.choices, required=False)
    rel_to = forms.ModelMultipleChoiceField(
        queryset=Country.objects.all(), to_field_name="code", required=False
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.filter(is_active=True), to_field_name="code", required=False
    )

    def value(self, name: str) -> Any:
        self.is_valid()
        return self.cleaned_data.get(name)
