"""The OpenAPI document: valid, complete, served to callers; the API keeps to it (schemathesis)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from django.contrib.staticfiles import finders
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies.models import Agency, Country, PartnerSystem, Role, User
from sharing import services
from sharing.models import Agreement, Category, Priority, Report, Tlp
from tests.api.conftest import MakeKey, api, problem
from tests.helpers import signed_in

SCHEMA = "/api/schema/"


@pytest.fixture
def reader(bravo_partner: PartnerSystem, make_key: MakeKey) -> str:
    return make_key(bravo_partner)


@pytest.fixture
def document(reader: str) -> dict[str, Any]:
    response = api(reader).get(SCHEMA)
    assert response.status_code == 200
    loaded: dict[str, Any] = yaml.safe_load(response.content)
    return loaded


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_the_document_is_served_only_to_callers_and_as_json_on_request(reader: str) -> None:
    problem(api().get(SCHEMA), 401)
    response = api(reader).get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Border Intelligence Exchange API"


def test_every_operation_takes_either_key_scheme_and_answers_problems_as_problem_json(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {**schemes["ApiKeyAuth"], "in": "header"}
    assert schemes["BearerAuth"]["scheme"] == "bearer"
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) == 9
    for operation in operations:
        assert {"ApiKeyAuth": []} in operation["security"]
        assert {"BearerAuth": []} in operation["security"]
        for status in ("401", "429"):
            content = operation["responses"][status]["content"]
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    assert (
        "examples"
        in document["paths"]["/api/v1/reports/"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]
    )


def test_the_docs_need_a_sign_in_and_use_the_vendored_swagger_ui(
    bravo_analyst: User, db: None
) -> None:
    assert Client().get("/api/docs/").status_code == 302
    response = signed_in(bravo_analyst).get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    # The Content-Security-Policy forbids inline code.
    assert "<script>" not in page
    assert "<style>" not in page
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    script = signed_in(bravo_analyst).get("/api/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


# --------------------------------------------------------------------------------------------
# Schemathesis: generated requests for every operation, with a read key; no 5xx, and every
# status, media type, header and body as the document says.


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The portal as a WSGI app that, like Django's test client, keeps the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def visible_reports(
    alpha_analyst: User,
    agreement_ab: Agreement,
    drugs: Category,
    country_b: Country,
    bravo: Agency,
    make_member: Callable[..., User],
) -> list[Report]:
    """Reports Bravo's key sees, with every optional part filled in, and one it does not."""
    reports = []
    for n, tlp in enumerate((Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)):
        report = services.create_report(
            actor=alpha_analyst,
            fields={
                "title": f"Report {n}",
                "summary": "Summary",
                "body": "**Body**",
                "category": drugs,
                "tlp": tlp,
                "priority": Priority.URGENT,
                "latitude": "1.5",
                "longitude": "-78.25",
            },
            rel_to=[country_b],
            recipients=[bravo],
            indicators=[("phone", f"+57 300 000 000{n}")],
        )
        services.publish_report(report, actor=alpha_analyst)
        reports.append(report)
    own_draft = services.create_report(
        actor=make_member("bravo.writer", bravo, Role.ANALYST),
        fields={"title": "Bravo's draft", "category": drugs, "tlp": Tlp.AMBER},
    )
    return [*reports, own_draft]


@pytest.fixture
def api_schema(
    wsgi_app: WSGIHandler, reader: str, visible_reports: list[Report], settings: Any
) -> Any:
    settings.API_THROTTLE_RATE = "100000/min"
    return schemathesis.openapi.from_wsgi(
        f"{SCHEMA}?format=json", wsgi_app, headers={"Authorization": f"Api-Key {reader}"}
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_the_api_keeps_to_its_document(
    api_schema: Any, reader: str, visible_reports: list[Report]
) -> None:
    # Driven through schemathesis's strategies rather than its pytest plugin, which does not
    # run under pytest 9; a bounded, repeatable number of requests per operation.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exchange(case: Any) -> None:
            report_id = (case.path_parameters or {}).get("report_uuid")
            if report_id is not None and str(report_id)[0] in "01234567":
                # Random ids are all unknown: half the time, ask for one the key may read.
                picked = visible_reports[int(str(report_id)[0]) % len(visible_reports)]
                case.path_parameters["report_uuid"] = str(picked.uuid)
            case.call_and_validate(headers={"Authorization": f"Api-Key {reader}"}, checks=CHECKS)

        exchange()
