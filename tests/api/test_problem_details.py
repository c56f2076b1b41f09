"""Every error under /api/ is RFC 9457 problem+json: never an HTML page, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from agencies.models import PartnerSystem
from tests.api.conftest import MakeKey, api, problem


@pytest.fixture
def client(bravo_partner: PartnerSystem, make_key: MakeKey) -> Client:
    return api(make_key(bravo_partner))


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/", "/api/v2/reports/", "/api/v1/reports/not-a-uuid/"]
)
def test_an_unknown_url_under_api_is_a_404_problem(client: Client, path: str) -> None:
    assert problem(client.get(path), 404)["instance"] == path


def test_an_unknown_url_is_a_404_problem_for_any_method_even_without_credentials(
    db: None,
) -> None:
    problem(Client(enforce_csrf_checks=True).post("/api/nothing/here/", {}), 404)
    problem(Client().delete("/api/nothing/"), 404)


def test_a_path_without_its_trailing_slash_says_where_the_resource_is(client: Client) -> None:
    body = problem(client.get("/api/v1/reports"), 404)
    assert body["detail"].endswith("Paths end with a slash: /api/v1/reports/")


def test_an_unsupported_method_is_a_405_problem_that_lists_the_allowed_ones(
    client: Client,
) -> None:
    response = client.delete("/api/v1/reports/")
    problem(response, 405)
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_the_answer_is_json_whatever_the_accept_header_asks_for(client: Client) -> None:
    response = client.get("/api/v1/agreements/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_an_unforeseen_error_in_an_api_view_is_a_bare_500_problem_and_is_logged(
    client: Client, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ROOT_URLCONF = "tests.api.failing_urls"
    settings.DEBUG = True  # even then: no traceback leaves the server
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/failing/")
    body = problem(response, 500)
    assert "secret" not in response.content.decode()
    assert body["detail"] == "The server could not answer this request."
    assert any(record.exc_info for record in caplog.records)


def test_a_server_error_outside_an_api_view_is_a_500_problem_under_api(
    db: None, settings: Any
) -> None:
    settings.ROOT_URLCONF = "tests.api.failing_urls"
    response = Client(raise_request_exception=False).get("/api/v1/failing-plain/")
    problem(response, 500)
    assert "secret" not in response.content.decode()
