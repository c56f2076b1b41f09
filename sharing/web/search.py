"""The search page: parse the query and filters, search inside visibility, keep searches."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agencies.models import Country
from portal.typing import AuthenticatedHttpRequest
from sharing import audit, services
from sharing.models import AuditAction, Category, ContentLanguage, Priority, SavedSearch, Tlp
from sharing.search.query import FACETS, MAX_QUERY_LENGTH, Filters, Results, Sort, search
from sharing.web.context import request_context
from sharing.web.forms import CategoryChoiceField

PAGE_SIZE = 20
# Deeper than this, refining the query serves better than paging (and OFFSET grows costly).
MAX_PAGES = 50
# The page's filter parameters, as kept by a saved search (besides `q`).
FILTER_PARAMETERS = ("category", "tlp", "country", "priority", "language", "sector", "from", "to")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=MAX_QUERY_LENGTH, required=False)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All categories"),
    )
    tlp = forms.TypedChoiceField(
        label=_("Marking"),
        choices=[("", _("Any marking")), *Tlp.choices],
        coerce=int,
        required=False,
        empty_value=None,
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
        choices=[("", _("Any priority")), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Any language")), *ContentLanguage.choices],
        required=False,
    )
    sector = forms.CharField(label=_("Border sector"), max_length=200, required=False)
    published_from = forms.DateField(
        label=_("Published from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    published_to = forms.DateField(
        label=_("Published until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[(Sort.RELEVANCE, _("Relevance")), (Sort.NEWEST, _("Newest"))],
        required=False,
    )
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGES, required=False)

    def __init__(self, data: Any) -> None:
        # The page's short parameter names for the dates (from, to), the form's longer ones.
        values = data.copy()
        for short, name in (("from", "published_from"), ("to", "published_to")):
            if short in values:
                values[name] = values[short]
        super().__init__(values)

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            raise ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        category, country = data.get("category"), data.get("country")
        return Filters(
            category_id=category.pk if category else None,
            tlp=data.get("tlp"),
            originator_country_id=country.pk if country else None,
            priority=data.get("priority"),
            language=data.get("language") or None,
            border_sector=(data.get("sector") or "").strip() or None,
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
        )

    def parameters(self) -> dict[str, str]:
        """The filter parameters in use, as the page's query string names them."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "category": data["category"].code if data.get("category") else "",
            "tlp": data.get("tlp"),
            "country": data["country"].code if data.get("country") else "",
            "priority": data.get("priority"),
            "language": data.get("language"),
            "sector": (data.get("sector") or "").strip(),
            "from": _iso(data.get("published_from")),
            "to": _iso(data.get("published_to")),
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _facet_links(
    results: Results, parameters: dict[str, str], q: str, sort: str
) -> list[dict[str, Any]]:
    """Each facet's buckets with their labels, counts and the link that narrows to them."""
    categories = {c.pk: c for c in Category.objects.all()}
    countries = {c.pk: c for c in Country.objects.all()}
    dimensions: dict[str, tuple[str, Any, Any]] = {
        # column: (parameter, label, value -> (parameter value, label))
        "category_id": (
            "category",
            _("Category"),
            lambda v: (categories[v].code, gettext(categories[v].name)),
        ),
        "tlp": ("tlp", _("Marking"), lambda v: (v, Tlp(v).label)),
        "originator_country_id": (
            "country",
            _("Originator country"),
            lambda v: (countries[v].code, countries[v].name),
        ),
        "priority": ("priority", _("Priority"), lambda v: (v, Priority(v).label)),
        "language": ("language", _("Language"), lambda v: (v, ContentLanguage(v).label)),
        "border_sector": ("sector", _("Border sector"), lambda v: (v, v)),
    }
    out = []
    for column in FACETS:
        parameter, label, describe = dimensions[column]
        buckets = []
        for value, count in results.facets.get(column, []):
            code, name = describe(value)
            chosen = parameters.get(parameter) == str(code)
            narrowed = {**parameters, parameter: str(code)}
            if chosen:
                narrowed.pop(parameter)
            link = "?" + urlencode({"q": q, **narrowed, "sort": sort})
            buckets.append({"label": name, "count": count, "url": link, "chosen": chosen})
        if buckets:
            out.append({"parameter": parameter, "label": label, "buckets": buckets})
    return out


@login_required
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "saved": [
            {"search": s, "url": saved_search_url(s)}
            for s in SavedSearch.objects.filter(owner=request.user)
        ],
        "max_length": MAX_QUERY_LENGTH,
    }
    searched = bool(set(request.GET) & {"q", *FILTER_PARAMETERS})
    if not form.is_valid():
        return render(request, "sharing/search.html", context, status=400)
    q, parameters = form.cleaned_data["q"], form.parameters()
    if not searched or not (q or parameters):
        return render(request, "sharing/search.html", context)
    sort = form.cleaned_data.get("sort") or (Sort.RELEVANCE if q else Sort.NEWEST)
    page = form.cleaned_data.get("page") or 1
    results = search(
        request.user,
        q,
        form.filters(),
        sort=sort,
        offset=(page - 1) * PAGE_SIZE,
        size=PAGE_SIZE,
    )
    audit.record(
        request.user,
        AuditAction.REPORT_SEARCHED,
        [hit.report for hit in results.hits],
        context=request_context(request),
        details={
            "query": q,
            "filters": parameters,
            "sort": sort,
            "page": page,
            "total": results.total,
        },
    )
    pages = min(MAX_PAGES, -(-results.total // PAGE_SIZE))
    base = {"q": q, **parameters, "sort": sort}
    context |= {
        "searched": True,
        "q": q,
        "sort": sort,
        "results": results,
        "facets": _facet_links(results, parameters, q, sort),
        "parameters": parameters,
        "page_number": page,
        "pages": pages,
        "previous_url": "?" + urlencode({**base, "page": page - 1}) if page > 1 else None,
        "next_url": "?" + urlencode({**base, "page": page + 1}) if page < pages else None,
        "sort_urls": {
            key: "?" + urlencode({"q": q, **parameters, "sort": key}) for key in Sort.ALL
        },
        "without_filters_url": "?" + urlencode({"q": q}) if parameters and q else None,
        "truncated": results.total > MAX_PAGES * PAGE_SIZE,
        "shown_limit": MAX_PAGES * PAGE_SIZE,
    }
    return render(request, "sharing/search.html", context)


class SaveSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    q = forms.CharField(max_length=MAX_QUERY_LENGTH, required=False)


@login_required
@require_POST
def save_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SaveSearchForm(request.POST)
    criteria = SearchForm(request.POST)
    back = reverse("search")
    if not form.is_valid() or not criteria.is_valid():
        messages.error(request, gettext("That search could not be saved: check the name."))
        return HttpResponseRedirect(back)
    q, parameters = criteria.cleaned_data["q"], criteria.parameters()
    back += "?" + urlencode({"q": q, **parameters})
    try:
        services.save_search(
            actor=request.user,
            name=form.cleaned_data["name"],
            query=q,
            filters=parameters,
            context=request_context(request),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    except PermissionDenied:
        messages.error(request, gettext("Only members of an agency keep searches."))
        return HttpResponseRedirect(back)
    messages.success(request, gettext("Search saved."))
    return HttpResponseRedirect(back)


@login_required
@require_POST
def delete_saved_search(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    saved = SavedSearch.objects.filter(pk=pk, owner=request.user).first()
    if saved is None:
        audit.record_denial(
            request.user,
            AuditAction.ACCESS_DENIED,
            context=request_context(request),
            details={"saved_search": pk, "path": request.path},
        )
        raise Http404("No such saved search.")
    services.delete_saved_search(saved, actor=request.user, context=request_context(request))
    messages.success(request, gettext("Saved search deleted."))
    return HttpResponseRedirect(reverse("search"))


def saved_search_url(saved: SavedSearch) -> str:
    return reverse("search") + "?" + urlencode(saved.parameters())
