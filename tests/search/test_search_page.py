"""The search page: words in three languages, phrases and exclusions, exact indicator values,
filters with facet counts, sorting, pages, snippets, the record of each search, saved searches
and clear answers to bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import User
from sharing import services
from sharing.models import Agreement, AuditAction, AuditEvent, Report, SavedSearch, Tlp
from tests.helpers import denials, signed_in

Publish = Callable[..., Report]


def _titles(client: Client, **params: Any) -> list[str]:
    response = client.get(reverse("search"), params)
    assert response.status_code == 200, response.content
    found = re.findall(r'<h3 class="wrap-anywhere"><a [^>]*>(.*?)</a></h3>', response.text)
    return [re.sub(r"</?mark>", "", title) for title in found]


@pytest.fixture
def corpus(alpha_analyst: User, publish: Publish, agreement_ab: Agreement, arms: Any) -> None:
    publish(
        alpha_analyst,
        title="Cocaine in banana containers",
        summary="Port of Guayaquil, reefer containers.",
        body="Two tonnes found behind false walls.",
    )
    publish(
        alpha_analyst,
        title="Fishing boats at night",
        summary="Boats meet offshore.",
        body="The crews mention cocaine paste in passing.",
    )
    publish(
        alpha_analyst,
        title="Incautación de cocaína en el puerto",
        body="Los contenedores incautados llevaban cocaína.",
        language="es",
        border_sector="Rumichaca",
    )
    publish(
        alpha_analyst,
        title="Saisie de fusils à la frontière",
        body="Des fusils démontés dans des camions.",
        language="fr",
        category=arms,
        priority=2,
    )
    plated = publish(alpha_analyst, title="Truck seen twice", draft=True)
    services.add_indicators(plated, [("vehicle_plate", "ABC-123")], actor=alpha_analyst)
    services.publish_report(plated, actor=alpha_analyst)


def test_words_rank_titles_above_bodies(alpha_analyst: User, corpus: None) -> None:
    titles = _titles(signed_in(alpha_analyst), q="cocaine")
    # The Spanish stemmer reads cocaine and cocaína alike: that report is found too.
    assert titles.index("Cocaine in banana containers") < titles.index("Fishing boats at night")
    assert "Incautación de cocaína en el puerto" in titles


def test_each_language_is_stemmed_in_its_own_way(alpha_analyst: User, corpus: None) -> None:
    client = signed_in(alpha_analyst)
    assert _titles(client, q="incautada") == ["Incautación de cocaína en el puerto"]
    assert _titles(client, q="fusil") == ["Saisie de fusils à la frontière"]
    assert _titles(client, q="container") == ["Cocaine in banana containers"]


def test_phrases_exclusions_and_either_word(alpha_analyst: User, corpus: None) -> None:
    client = signed_in(alpha_analyst)
    assert _titles(client, q='"banana containers"') == ["Cocaine in banana containers"]
    assert _titles(client, q='"containers banana"') == []
    assert "Cocaine in banana containers" not in _titles(client, q="cocaine -banana")
    assert set(_titles(client, q="banana or fusils")) == {
        "Cocaine in banana containers",
        "Saisie de fusils à la frontière",
    }


@pytest.mark.parametrize("typed", ["ABC-123", "abc 123", "ABC123", " abc-123 "])
def test_a_plate_is_found_however_it_is_typed(
    alpha_analyst: User, corpus: None, typed: str
) -> None:
    response = signed_in(alpha_analyst).get(reverse("search"), {"q": typed})
    assert "Truck seen twice" in response.text
    assert "Indicator match" in response.text


def test_partners_find_only_what_they_may_see(
    bravo_analyst: User, charlie_analyst: User, corpus: None
) -> None:
    # Bravo's agreement covers drug trafficking, not arms; Charlie has none.
    assert "Cocaine in banana containers" in _titles(signed_in(bravo_analyst), q="cocaine")
    assert _titles(signed_in(bravo_analyst), q="fusils") == []
    assert _titles(signed_in(charlie_analyst), q="cocaine") == []
    assert _titles(signed_in(charlie_analyst), q="abc123") == []


def test_filters_narrow_and_facets_count_inside_visibility(
    alpha_analyst: User, bravo_analyst: User, corpus: None
) -> None:
    client = signed_in(alpha_analyst)
    response = client.get(reverse("search"), {"q": "cocaine or fusils"})
    assert "4 reports found" in response.text
    facets = response.context["results"].facets
    assert dict(facets["language"]) == {"en": 2, "es": 1, "fr": 1}
    assert dict(facets["border_sector"]) == {"Rumichaca": 1}
    assert _titles(client, q="cocaine or fusils", language="fr") == [
        "Saisie de fusils à la frontière"
    ]
    assert _titles(client, q="cocaine", sector="rumichaca") == [
        "Incautación de cocaína en el puerto"
    ]
    assert _titles(client, q="cocaine or fusils", category="arms-trafficking", priority=2) == [
        "Saisie de fusils à la frontière"
    ]
    # Bravo's counts leave out the arms report it may not see.
    partner = signed_in(bravo_analyst).get(reverse("search"), {"q": "cocaine or fusils"})
    assert dict(partner.context["results"].facets["language"]) == {"en": 2, "es": 1}


def test_filters_alone_search_without_words(alpha_analyst: User, corpus: None) -> None:
    titles = _titles(signed_in(alpha_analyst), tlp=str(Tlp.GREEN), language="es")
    assert titles == ["Incautación de cocaína en el puerto"]


def test_newest_first_on_request(alpha_analyst: User, corpus: None) -> None:
    titles = _titles(signed_in(alpha_analyst), q="cocaine", sort="newest")
    assert titles[0] == "Incautación de cocaína en el puerto"


def test_pages_hold_twenty_results(alpha_analyst: User, publish: Publish) -> None:
    for n in range(23):
        publish(alpha_analyst, title=f"Quarry report {n}")
    client = signed_in(alpha_analyst)
    first = client.get(reverse("search"), {"q": "quarry"})
    assert "23 reports found" in first.text
    assert len(first.context["results"].hits) == 20
    assert "Page 1 of 2" in first.text
    second = _titles(client, q="quarry", page=2)
    assert len(second) == 3


def test_matches_are_highlighted_and_content_escaped(alpha_analyst: User, publish: Publish) -> None:
    publish(alpha_analyst, title="<script>x</script> quarry", body="A quarry <b>bold</b> here.")
    response = signed_in(alpha_analyst).get(reverse("search"), {"q": "quarry"})
    assert "<mark>quarry</mark>" in response.text
    assert "<script>x</script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert "<b>bold</b>" not in response.text


def test_the_document_follows_edits_and_new_indicators(
    alpha_analyst: User, publish: Publish
) -> None:
    report = publish(alpha_analyst, title="Plain title")
    client = signed_in(alpha_analyst)
    assert _titles(client, q="zebra") == []
    services.edit_report(report, actor=alpha_analyst, changes={"summary": "A zebra crossing."})
    assert _titles(client, q="zebra") == ["Plain title"]
    services.add_indicators(report, [("phone", "+57 300 111 2233")], actor=alpha_analyst)
    assert _titles(client, q="+573001112233") == ["Plain title"]


def test_each_search_is_recorded_with_its_query_and_results(
    alpha_analyst: User, corpus: None
) -> None:
    signed_in(alpha_analyst).get(reverse("search"), {"q": "banana", "language": "en"})
    event = AuditEvent.objects.get(action=AuditAction.REPORT_SEARCHED)
    report = Report.objects.get(title="Cocaine in banana containers")
    assert event.object_ids == [str(report.uuid)]
    assert event.details["query"] == "banana"
    assert event.details["filters"] == {"language": "en"}
    assert event.details["total"] == 1


def test_no_result_suggests_what_to_try(alpha_analyst: User, corpus: None) -> None:
    response = signed_in(alpha_analyst).get(
        reverse("search"), {"q": "nothingmatches", "language": "fr"}
    )
    assert "Things to try" in response.text
    assert "The same words without the filters" in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 201}, "at most 200 characters"),
        ({"q": "a", "from": "yesterday"}, "Enter a valid date"),
        ({"q": "a", "from": "2026-05-02", "to": "2026-05-01"}, "start date is after"),
        ({"q": "a", "tlp": "9"}, "Select a valid choice"),
        ({"q": "a", "country": "ZZ"}, "Select a valid choice"),
        ({"q": "a", "page": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_input_gets_a_message_not_an_error(
    alpha_analyst: User, params: dict[str, str], message: str
) -> None:
    response = signed_in(alpha_analyst).get(reverse("search"), params)
    assert response.status_code == 400
    assert message in response.text


def test_odd_query_syntax_is_no_error(alpha_analyst: User, corpus: None) -> None:
    client = signed_in(alpha_analyst)
    for q in ['"unclosed', "-", "or or", "!!! & | ::", "'; drop table", "\\"]:
        assert client.get(reverse("search"), {"q": q}).status_code == 200


def test_the_empty_page_offers_the_form(alpha_analyst: User) -> None:
    response = signed_in(alpha_analyst).get(reverse("search"))
    assert response.status_code == 200
    assert "results-heading" not in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_SEARCHED).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("search"), {"q": "cocaine"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_search_page_costs_a_bounded_number_of_queries(
    alpha_analyst: User, publish: Publish, django_assert_max_num_queries: Any
) -> None:
    for n in range(25):
        publish(alpha_analyst, title=f"Quarry report {n}", border_sector=f"Sector {n % 4}")
    client = signed_in(alpha_analyst)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("search"), {"q": "quarry"})
    assert len(response.context["results"].hits) == 20


def test_a_search_is_saved_run_again_and_deleted(alpha_analyst: User, corpus: None) -> None:
    client = signed_in(alpha_analyst)
    response = client.post(
        reverse("search-save"), {"name": "Spanish cocaine", "q": "cocaine", "language": "es"}
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=alpha_analyst)
    assert (saved.query, saved.filters) == ("cocaine", {"language": "es"})
    page = client.get(reverse("search"))
    assert "Spanish cocaine" in page.text
    assert "q=cocaine&amp;language=es" in page.text
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH_SAVED).exists()
    again = client.post(reverse("search-save"), {"name": "Spanish cocaine", "q": "x"})
    assert again.status_code == 302
    assert SavedSearch.objects.filter(owner=alpha_analyst).count() == 1
    client.post(reverse("search-delete", args=[saved.pk]))
    assert not SavedSearch.objects.exists()


def test_nobody_deletes_another_analysts_saved_search(
    alpha_analyst: User, bravo_analyst: User
) -> None:
    saved = services.save_search(actor=alpha_analyst, name="mine", query="x", filters={})
    response = signed_in(bravo_analyst).post(reverse("search-delete", args=[saved.pk]))
    assert response.status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    assert denials().filter(action=AuditAction.ACCESS_DENIED, actor_user_id=bravo_analyst.pk)


def test_saving_needs_post(alpha_analyst: User) -> None:
    assert signed_in(alpha_analyst).get(reverse("search-save")).status_code == 405
