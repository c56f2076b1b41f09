"""The portal explains why a country or agency can or cannot see a report."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from agencies.models import Agency, Country, User
from sharing import services
from sharing.access import explain_visibility, preview_audience
from sharing.models import Agreement, Category, DisseminationBasis, Report, Tlp
from tests.conftest import PASSWORD

Publish = Callable[..., Report]


def test_explains_a_grant_by_agreement(
    publish: Publish, alpha_analyst: User, bravo: Agency, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    explanation = explain_visibility(report, bravo)
    assert explanation.visible
    assert any(agreement_ab.reference in r.text for r in explanation.reasons)


def test_explains_no_agreement_with_the_category(
    publish: Publish, alpha_analyst: User, country_c: Country, arms: Category
) -> None:
    report = publish(alpha_analyst, category=arms)
    explanation = explain_visibility(report, country_c)
    assert not explanation.visible
    assert (
        explanation.reasons[0].text == "no agreement between XA and XC covering 'Arms trafficking'"
    )


def test_explains_marking_above_agreement_maximum(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    agreement = make_agreement([country_a, country_b], [drugs], max_tlp=Tlp.GREEN)
    report = publish(alpha_analyst, tlp=Tlp.AMBER)
    reasons = [r.text for r in explain_visibility(report, country_b).reasons]
    assert f"marking TLP:AMBER above agreement {agreement.reference} maximum TLP:GREEN" in reasons


def test_explains_rel_to_and_suspension(
    publish: Publish,
    alpha_analyst: User,
    portal_admin: User,
    country_b: Country,
    country_c: Country,
    agreement_ab: Agreement,
) -> None:
    narrowed = publish(alpha_analyst, rel_to=[country_c])
    assert "XB is not in the report's REL TO list" in [
        r.text for r in explain_visibility(narrowed, country_b).reasons
    ]
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    texts = [r.text for r in explain_visibility(report, country_b).reasons]
    assert any("is suspended" in t for t in texts)


def test_explains_red_goes_to_named_agencies_only(
    publish: Publish, alpha_analyst: User, bravo: Agency, charlie: Agency, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.RED, recipients=[charlie])
    explanation = explain_visibility(report, bravo)
    assert not explanation.visible
    assert (
        "TLP:RED goes only to the originator and named recipient agencies"
        in explanation.reasons[0].text
    )


def test_preview_lists_the_exact_recipients_before_publishing(
    publish: Publish,
    alpha: Agency,
    alpha_analyst: User,
    bravo: Agency,
    country_a: Country,
    country_b: Country,
    agreement_ab: Agreement,
) -> None:
    draft = publish(alpha_analyst, draft=True, tlp=Tlp.AMBER)
    audience = preview_audience(draft)
    assert {(r.basis, r.country_id, r.agency_id) for r in audience} == {
        (DisseminationBasis.ORIGINATOR, None, alpha.pk),
        (DisseminationBasis.ORIGINATOR_COUNTRY, country_a.pk, None),
        (DisseminationBasis.AGREEMENT, country_b.pk, None),
    }
    services.publish_report(draft, actor=alpha_analyst)
    live = draft.disseminations.filter(revoked_at=None)
    assert {(r.basis, r.recipient_country_id, r.recipient_agency_id) for r in live} == {
        (r.basis, r.country_id, r.agency_id) for r in audience
    }


def test_originator_can_ask_about_any_country_on_the_page(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement, country_c: Country
) -> None:
    report = publish(alpha_analyst)
    client = Client()
    client.login(username=alpha_analyst.username, password=PASSWORD)
    response = client.get(reverse("report-explain", args=[report.uuid]), {"country": "XC"})
    assert response.status_code == 200
    assert "no agreement between XA and XC" in response.content.decode()


def test_recipient_sees_only_its_own_explanation(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    country_c: Country,
) -> None:
    report = publish(alpha_analyst)
    client = Client()
    client.login(username=bravo_analyst.username, password=PASSWORD)
    response = client.get(reverse("report-explain", args=[report.uuid]), {"country": "XC"})
    body = response.content.decode()
    assert "Bravo Police (XB): can see it" in body
    assert "XC" not in body


def test_explains_that_a_deactivated_agency_sees_nothing(
    publish: Publish, alpha_analyst: User, bravo: Agency, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.CLEAR)
    Agency.objects.filter(pk=bravo.pk).update(is_active=False)
    explanation = explain_visibility(report, Agency.objects.get(pk=bravo.pk))
    assert not explanation.visible
    texts = [r.text for r in explanation.reasons]
    assert texts == ["Bravo Police (XB) is not active on the portal"]
