"""English, Spanish and French: the switcher's choice is kept in a cookie, the session and on
the user; a user's saved language follows them to any browser; dates follow the language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from agencies.models import User
from portal.languages import SESSION_KEY
from sharing.models import Report
from tests.conftest import PASSWORD
from tests.helpers import signed_in

Publish = Callable[..., Report]


def sign_in(client: Client, user: User) -> str:
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    return response.content.decode()


def test_switching_language_sets_the_cookie_the_session_and_the_user(
    alpha_analyst: User,
) -> None:
    client = signed_in(alpha_analyst)
    response = client.post(
        reverse("set_language"), {"language": "es"}, HTTP_REFERER="/reports/", follow=True
    )
    assert response.redirect_chain == [("/reports/", 302)]
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert client.session[SESSION_KEY] == "es"
    alpha_analyst.refresh_from_db()
    assert alpha_analyst.language == "es"
    body = response.content.decode()
    assert "Idioma cambiado a español." in body
    assert '<html lang="es">' in body
    assert ">Informes</a>" in body


def test_the_saved_language_applies_when_signing_in_on_another_browser(
    alpha_analyst: User,
) -> None:
    User.objects.filter(pk=alpha_analyst.pk).update(language="fr")
    client = Client()
    body = sign_in(client, alpha_analyst)
    assert "Connecté en tant que alpha.analyst." in body
    assert ">Rapports</a>" in body
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_the_language_survives_signing_out(alpha_analyst: User) -> None:
    client = signed_in(alpha_analyst)
    client.post(reverse("set_language"), {"language": "fr"})
    response = client.post(reverse("logout"), follow=True)
    body = response.content.decode()
    assert "Vous êtes déconnecté." in body
    assert ">Se connecter</button>" in body


def test_a_language_chosen_on_the_sign_in_page_becomes_the_users(alpha_analyst: User) -> None:
    User.objects.filter(pk=alpha_analyst.pk).update(language="fr")
    client = Client()
    client.post(reverse("set_language"), {"language": "es"})
    assert "Sesión iniciada como alpha.analyst." in sign_in(client, alpha_analyst)
    alpha_analyst.refresh_from_db()
    assert alpha_analyst.language == "es"


def test_the_browser_language_is_used_until_one_is_chosen(db: None) -> None:
    body = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9").content
    assert "<h1>Se connecter</h1>" in body.decode()


def test_a_language_the_portal_does_not_ship_changes_nothing(alpha_analyst: User) -> None:
    client = signed_in(alpha_analyst)
    client.post(reverse("set_language"), {"language": "de"})
    alpha_analyst.refresh_from_db()
    assert alpha_analyst.language == ""
    assert SESSION_KEY not in client.session
    assert ">Reports</a>" in client.get(reverse("home")).content.decode()


def test_the_switcher_changes_nothing_on_a_get(alpha_analyst: User) -> None:
    client = signed_in(alpha_analyst)
    assert client.get(reverse("set_language"), {"language": "es"}).status_code == 405


def test_dates_and_labels_follow_the_language(publish: Publish, alpha_analyst: User) -> None:
    report = publish(alpha_analyst)
    assert report.published_at is not None
    client = signed_in(alpha_analyst)
    for language, category in (("en", "Drug trafficking"), ("es", "Tráfico de drogas")):
        client.post(reverse("set_language"), {"language": language})
        body = client.get(reverse("report-list")).content.decode()
        with translation.override(language):
            published = formats.date_format(report.published_at, "SHORT_DATETIME_FORMAT")
        assert published in body
        assert category in body
    assert report.published_at.strftime("%d/%m/%Y") in body  # Spanish: day first


def test_english_dates_are_day_first_with_a_24_hour_clock() -> None:
    moment = dt.datetime(2026, 2, 3, 14, 5, tzinfo=dt.UTC)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "3 Feb 2026, 14:05"
    with translation.override("fr"):
        assert formats.number_format(1234.5, use_l10n=True) == "1234,5"
