"""Words for markings and gradings that the choices' own labels do not say."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from sharing.models import Tlp

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What each TLP 2.0 marking means on this portal (docs/need-to-know.md has the rules).
TLP_MEANINGS: dict[int, StrOrPromise] = {
    Tlp.CLEAR: _("Every agency on the portal."),
    Tlp.GREEN: _("Your country, and partner countries whose agreements cover the category."),
    Tlp.AMBER: _(
        "As GREEN, where the agreement allows AMBER; recipients keep it within their agency."
    ),
    Tlp.AMBER_STRICT: _("The named recipient agencies only, within each agency."),
    Tlp.RED: _("The named recipient agencies only, for the people who receive it."),
}
