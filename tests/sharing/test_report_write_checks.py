"""What report services refuse: strict markings without named recipients, duplicate indicators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from agencies.models import Agency, User
from sharing import services
from sharing.models import Agreement, Category, Report, ReportState, Tlp
from tests.helpers import sees

Publish = Callable[..., Report]


@pytest.mark.parametrize("tlp", [Tlp.AMBER_STRICT, Tlp.RED])
def test_a_strict_or_red_draft_without_named_recipients_is_kept_but_not_published(
    publish: Publish, alpha_analyst: User, tlp: int
) -> None:
    draft = publish(alpha_analyst, tlp=tlp, draft=True)
    with pytest.raises(ValidationError) as refused:
        services.publish_report(draft, actor=alpha_analyst)
    assert "name at least one" in refused.value.message_dict["recipients"][0]
    draft.refresh_from_db()
    assert draft.state == ReportState.DRAFT


def test_raising_a_published_report_to_red_needs_a_named_recipient(
    publish: Publish,
    alpha_analyst: User,
    bravo: Agency,
    bravo_analyst: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.AMBER)
    with pytest.raises(ValidationError):
        services.edit_report(report, actor=alpha_analyst, changes={"tlp": Tlp.RED})
    report.refresh_from_db()
    assert (report.tlp, report.version) == (Tlp.AMBER, 1)
    services.edit_report(report, actor=alpha_analyst, changes={"tlp": Tlp.RED}, recipients=[bravo])
    assert sees(bravo_analyst, report)


def test_the_same_indicator_written_twice_is_refused(alpha_analyst: User, drugs: Category) -> None:
    fields = {"title": "Plates", "category": drugs}
    with pytest.raises(ValidationError, match="listed twice"):
        services.create_report(
            actor=alpha_analyst,
            fields=fields,
            indicators=[("vehicle_plate", "ABC-123"), ("vehicle_plate", "abc 123")],
        )
    assert not Report.objects.exists()


def test_an_indicator_the_report_has_already_is_refused_on_edit(
    publish: Publish, alpha_analyst: User
) -> None:
    report = publish(alpha_analyst)
    services.edit_report(
        report, actor=alpha_analyst, changes={}, indicators=[("phone", "+57 300 123 4567")]
    )
    with pytest.raises(ValidationError, match="listed twice"):
        services.edit_report(
            report, actor=alpha_analyst, changes={}, indicators=[("phone", "0057 300 1234567")]
        )
    assert report.indicators.count() == 1
    # The version's snapshot holds the indicators, so the history can say what was added.
    assert report.versions.get(number=2).snapshot["indicators"] == ["phone: +57 300 123 4567"]
