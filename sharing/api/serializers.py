"""DRF serializers: validation of query parameters and request bodies, and response shapes.

Responses are built by `sharing.api.rows` on plain rows; the `*Out` serializers here only
describe them for the OpenAPI document.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_serializer
from rest_framework import serializers

from agencies.models import Agency, Country
from sharing.api.rows import PRIORITY_NAMES, TLP_NAMES
from sharing.models import (
    AgreementState,
    Category,
    ContentLanguage,
    HandlingCode,
    IndicatorType,
    ReportState,
    SourceReliability,
)
from sharing.models.dissemination import DisseminationBasis
from sharing.pagination import BadCursor, decode_cursor
from sharing.search.query import MAX_QUERY_LENGTH

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
# Feed pages are large: a partner syncing 600,000 reports takes 120 pages of 5,000, well
# inside the per-key rate limit, and each page is one query, one audit event and one commit.
MAX_FEED_PAGE_SIZE = 5000
DEFAULT_FEED_PAGE_SIZE = 1000


class NamedChoiceField(serializers.ChoiceField):
    """A choice written as a name ("amber+strict"); `validate_<field>` turns it into its code."""

    def __init__(self, names: Mapping[int, str], **kwargs: Any) -> None:
        super().__init__(choices=list(names.values()), **kwargs)

    @staticmethod
    def canonical(value: str) -> str:
        # "AMBER+STRICT", "TLP:AMBER+STRICT" and "amber strict" (a '+' left unencoded in a
        # query string arrives as a space) all mean amber+strict.
        text = value.strip().lower().removeprefix("tlp:")
        return "+".join(text.replace("_", " ").replace("+", " ").split())

    def to_internal_value(self, data: Any) -> str:
        return str(
            super().to_internal_value(self.canonical(data) if isinstance(data, str) else data)
        )


TLP_CODES = {name: code for code, name in TLP_NAMES.items()}
PRIORITY_CODES = {name: code for code, name in PRIORITY_NAMES.items()}


def _marking(**kwargs: Any) -> NamedChoiceField:
    kwargs.setdefault("help_text", "TLP 2.0 marking: clear, green, amber, amber+strict, red.")
    return NamedChoiceField(TLP_NAMES, **kwargs)


def _priority(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(PRIORITY_NAMES, **kwargs)


# --------------------------------------------------------------------------------------------
# Query parameters


class ReportListQuery(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text=(
            'Full-text search (words, "a phrase", -excluded, or) over title, summary,'
            " indicators and body, in the reports' languages; an indicator value also matches"
            " exactly however it is spaced. Results stay newest first."
        ),
    )
    category = serializers.SlugField(
        required=False, help_text="Category code, e.g. drug-trafficking."
    )
    tlp = _marking(required=False)
    originator_country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        help_text="ISO 3166-1 alpha-2 code of the originator's country, e.g. CO.",
    )
    priority = _priority(required=False)
    language = serializers.ChoiceField(
        choices=ContentLanguage.choices,
        required=False,
        help_text="The language reports are written in (ISO 639-1 code, or `other`).",
    )
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="Only reports changed at or after this instant (ISO 8601, with time zone).",
    )
    cursor = serializers.CharField(
        required=False, help_text="Opaque position from the previous page's `next` link."
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )

    def validate_tlp(self, name: str) -> int:
        return TLP_CODES[name]

    def validate_priority(self, name: str) -> int:
        return PRIORITY_CODES[name]

    def validate_category(self, value: str) -> int:
        category_id = Category.objects.filter(code=value).values_list("id", flat=True).first()
        if category_id is None:
            raise serializers.ValidationError(f"There is no category {value!r}.")
        return category_id

    def validate_originator_country(self, value: str) -> int:
        code = value.upper()
        country_id = Country.objects.filter(code=code).values_list("id", flat=True).first()
        if country_id is None:
            raise serializers.ValidationError(f"There is no country {code!r} on the portal.")
        return country_id

    def validate_cursor(self, value: str) -> str:
        try:
            decode_cursor(value)
        except BadCursor as exc:
            raise serializers.ValidationError(
                "This cursor was not handed out by this API, or it was altered."
            ) from exc
        return value


# --------------------------------------------------------------------------------------------
# Request bodies


@extend_schema_serializer(component_name="NewIndicator")
class IndicatorIn(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=IndicatorType.choices)
    value = serializers.CharField(max_length=500)


class ReportFields(serializers.Serializer[Any]):
    """The fields of a report a partner writes; the same rules as the browser's form."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True, help_text="Markdown.")
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.all(),
        help_text="Category code, e.g. drug-trafficking.",
        error_messages={"does_not_exist": "There is no category {value!r}."},
    )
    tlp = _marking()
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices, required=False)
    source_reliability = serializers.ChoiceField(choices=SourceReliability.choices, required=False)
    information_credibility = serializers.IntegerField(min_value=1, max_value=6, required=False)
    priority = _priority(required=False)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    latitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        min_value=decimal.Decimal(-90),
        max_value=decimal.Decimal(90),
        rounding=decimal.ROUND_HALF_EVEN,
        coerce_to_string=False,
        required=False,
        allow_null=True,
    )
    longitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        min_value=decimal.Decimal(-180),
        max_value=decimal.Decimal(180),
        rounding=decimal.ROUND_HALF_EVEN,
        coerce_to_string=False,
        required=False,
        allow_null=True,
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    border_sector = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=ContentLanguage.choices, required=False)
    rel_to = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}$"),
        required=False,
        max_length=300,
        help_text="REL TO: ISO codes of the only countries that may receive the report.",
    )
    recipients = serializers.ListField(
        child=serializers.SlugField(max_length=32),
        required=False,
        max_length=300,
        help_text="Codes of named recipient agencies.",
    )

    def validate_tlp(self, name: str) -> int:
        return TLP_CODES[name]

    def validate_priority(self, name: str) -> int:
        return PRIORITY_CODES[name]

    def validate_rel_to(self, codes: list[str]) -> list[Country]:
        wanted = {code.upper() for code in codes}
        countries = list(Country.objects.filter(code__in=wanted))
        unknown = wanted - {c.code for c in countries}
        if unknown:
            raise serializers.ValidationError(f"Unknown countries: {', '.join(sorted(unknown))}.")
        return countries

    def validate_recipients(self, codes: list[str]) -> list[Agency]:
        wanted = set(codes)
        agencies = list(Agency.objects.filter(code__in=wanted))
        unknown = wanted - {a.code for a in agencies}
        if unknown:
            raise serializers.ValidationError(f"Unknown agencies: {', '.join(sorted(unknown))}.")
        return agencies


class ReportCreate(ReportFields):
    indicators = serializers.ListField(child=IndicatorIn(), required=False, max_length=1000)
    publish = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Publish at once (disseminated to its audience); otherwise a draft.",
    )


class ReportChange(ReportFields):
    change_note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Kept with the new version."
    )


class Retraction(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=2000, help_text="Why the report is withdrawn; recorded and audited."
    )


# --------------------------------------------------------------------------------------------
# Response shapes (documentation of what sharing.api.rows and the views build)


@extend_schema_serializer(component_name="Indicator")
class IndicatorOut(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=IndicatorType.choices)
    value = serializers.CharField()


@extend_schema_serializer(component_name="Originator")
class OriginatorOut(serializers.Serializer[Any]):
    agency = serializers.CharField(help_text="Code of the originator agency.")
    country = serializers.CharField(help_text="ISO code of the originator's country.")


@extend_schema_serializer(component_name="Report")
class ReportOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The report's public id.")
    url = serializers.URLField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True, help_text="Markdown.")
    category = serializers.CharField(help_text="Category code.")
    tlp = _marking()
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices)
    source_reliability = serializers.ChoiceField(choices=SourceReliability.choices)
    information_credibility = serializers.IntegerField(min_value=1, max_value=6)
    priority = _priority()
    occurred_at = serializers.DateTimeField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    place = serializers.CharField(allow_blank=True)
    border_sector = serializers.CharField(allow_blank=True)
    language = serializers.ChoiceField(choices=ContentLanguage.choices)
    originator = OriginatorOut()
    rel_to = serializers.ListField(child=serializers.CharField())
    recipients = serializers.ListField(child=serializers.CharField())
    indicators = IndicatorOut(many=True)
    state = serializers.ChoiceField(choices=ReportState.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    modified_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    retracted_at = serializers.DateTimeField(allow_null=True)
    retraction_reason = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="ReportPage")
class ReportPageOut(serializers.Serializer[Any]):
    results = ReportOut(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="The next page, or null on the last one."
    )


class FeedQuery(serializers.Serializer[Any]):
    cursor = serializers.CharField(
        required=False,
        help_text="Opaque position from the previous answer's `cursor` (or its `next` link).",
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_FEED_PAGE_SIZE, default=DEFAULT_FEED_PAGE_SIZE
    )


@extend_schema_serializer(component_name="Tombstone")
class TombstoneOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The public id of a report the caller held.")
    deleted = serializers.BooleanField(help_text="Always true: delete your copy.")
    reason = serializers.ChoiceField(
        choices=[
            ("retracted", "The originator retracted the report."),
            ("access_revoked", "The caller may no longer see it (agreement, marking, REL TO)."),
        ]
    )
    at = serializers.DateTimeField(
        allow_null=True, help_text="When the report was retracted or the caller's access ended."
    )


@extend_schema_serializer(component_name="FeedPage")
class FeedPageOut(serializers.Serializer[Any]):
    results = PolymorphicProxySerializer(
        component_name="FeedEntry",
        serializers=[ReportOut, TombstoneOut],
        resource_type_field_name=None,
        many=True,
        help_text="Reports (as the report resource) and tombstones, in change order.",
    )
    next = serializers.URLField(
        allow_null=True,
        help_text="The next page when this one was full; null when caught up (poll `cursor`).",
    )
    cursor = serializers.CharField(
        help_text="Where the next read starts: keep it and send it as ?cursor= to poll."
    )


@extend_schema_serializer(component_name="Audience")
class AudienceOut(serializers.Serializer[Any]):
    country = serializers.CharField(allow_null=True, help_text="A whole country (ISO code).")
    agency = serializers.CharField(allow_null=True, help_text="One agency (its code).")
    basis = serializers.ChoiceField(choices=DisseminationBasis.choices)
    agreement = serializers.CharField(
        allow_null=True, help_text="Reference of the agreement it is shared under."
    )


@extend_schema_serializer(component_name="WrittenReport")
class WrittenReportOut(ReportOut):
    audience = AudienceOut(many=True, help_text="Who may see the report now, and why.")
    audience_if_published = AudienceOut(
        many=True,
        allow_null=True,
        help_text="For a draft: who would see it if it were published now; else null.",
    )


@extend_schema_serializer(component_name="Reason")
class ReasonOut(serializers.Serializer[Any]):
    granted = serializers.BooleanField()
    text = serializers.CharField()


@extend_schema_serializer(component_name="Explanation")
class ExplanationOut(serializers.Serializer[Any]):
    report = serializers.UUIDField()
    agency = serializers.CharField(help_text="The caller's agency.")
    visible = serializers.BooleanField()
    reasons = ReasonOut(many=True)


@extend_schema_serializer(component_name="Agreement")
class AgreementOut(serializers.Serializer[Any]):
    reference = serializers.CharField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=AgreementState.choices)
    in_force = serializers.BooleanField(help_text="Reports are shared under it today.")
    parties = serializers.ListField(child=serializers.CharField(), help_text="ISO codes.")
    categories = serializers.ListField(child=serializers.CharField(), help_text="Codes.")
    max_tlp = _marking(help_text="Highest marking shared under it.")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)


@extend_schema_serializer(component_name="AgreementList")
class AgreementListOut(serializers.Serializer[Any]):
    results = AgreementOut(many=True)
    next = serializers.URLField(allow_null=True, help_text="Always null: one page.")


@extend_schema_serializer(component_name="ProblemError")
class ProblemErrorOut(serializers.Serializer[Any]):
    detail = serializers.CharField()
    pointer = serializers.CharField(
        required=False, help_text="JSON Pointer to the body member, e.g. #/indicators/0/type."
    )
    parameter = serializers.CharField(required=False, help_text="The query parameter.")


@extend_schema_serializer(component_name="Problem")
class ProblemOut(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="about:blank: the status code says it all.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path of the request.")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # `errors` would shadow Serializer.errors as a class attribute.
        fields = super().get_fields()
        fields["errors"] = ProblemErrorOut(
            many=True, required=False, help_text="One per invalid field or parameter."
        )
        return fields
