"""Markings, codes and categories shared by reports and agreements."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tlp(models.IntegerChoices):
    """Traffic Light Protocol 2.0, ordered from least to most restrictive."""

    CLEAR = 0, "TLP:CLEAR"
    GREEN = 1, "TLP:GREEN"
    AMBER = 2, "TLP:AMBER"
    AMBER_STRICT = 3, "TLP:AMBER+STRICT"
    RED = 4, "TLP:RED"


# The most restrictive marking a whole country may receive; above it only named agencies may.
COUNTRY_TLP_CEILING = Tlp.AMBER


class HandlingCode(models.TextChoices):
    H0 = "H0", _("H0 - may be disseminated within agreements")
    H1 = "H1", _("H1 - law-enforcement use only")
    H2 = "H2", _("H2 - no onward dissemination without the originator's consent")
    H3 = "H3", _("H3 - recipients only; no onward dissemination at all")


# Handling codes that forbid a recipient from passing the report on.
NO_ONWARD_DISSEMINATION = frozenset({HandlingCode.H2, HandlingCode.H3})


class ContentLanguage(models.TextChoices):
    """The language a report is written in (ISO 639-1); report content is never translated.

    Search picks its text configuration from it (English, Spanish and French are stemmed).
    """

    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")
    PORTUGUESE = "pt", _("Portuguese")
    GERMAN = "de", _("German")
    ITALIAN = "it", _("Italian")
    SWAHILI = "sw", _("Swahili")
    ARABIC = "ar", _("Arabic")
    OTHER = "other", _("Other")


class SourceReliability(models.TextChoices):
    A = "A", _("A - completely reliable")
    B = "B", _("B - usually reliable")
    C = "C", _("C - fairly reliable")
    D = "D", _("D - not usually reliable")
    E = "E", _("E - unreliable")
    F = "F", _("F - reliability cannot be judged")


class InformationCredibility(models.IntegerChoices):
    CONFIRMED = 1, _("1 - confirmed by other sources")
    PROBABLY_TRUE = 2, _("2 - probably true")
    POSSIBLY_TRUE = 3, _("3 - possibly true")
    DOUBTFUL = 4, _("4 - doubtful")
    IMPROBABLE = 5, _("5 - improbable")
    CANNOT_JUDGE = 6, _("6 - truth cannot be judged")


class Priority(models.IntegerChoices):
    ROUTINE = 0, _("Routine")
    PRIORITY = 1, _("Priority")
    URGENT = 2, _("Urgent")
    FLASH = 3, _("Flash")


class Category(models.Model):
    """A crime area that agreements cover and reports belong to."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name
