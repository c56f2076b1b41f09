"""Normalisation of indicator values so that the same thing written two ways matches."""

from __future__ import annotations

import re
import unicodedata

from sharing.models import IndicatorType

_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_SPACES = re.compile(r"\s+")


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(kind: str, value: str) -> str:
    value = value.strip()
    match kind:
        case IndicatorType.PERSON_NAME | IndicatorType.ROUTE | IndicatorType.OTHER:
            return _SPACES.sub(" ", _fold(value)).upper()
        case (
            IndicatorType.TRAVEL_DOCUMENT
            | IndicatorType.VEHICLE_PLATE
            | IndicatorType.BANK_ACCOUNT
            | IndicatorType.VESSEL_IMO
            | IndicatorType.VESSEL_MMSI
        ):
            return _NON_ALNUM.sub("", _fold(value).upper())
        case IndicatorType.PHONE:
            digits = re.sub(r"\D", "", value)
            if value.startswith("00"):
                return "+" + digits[2:]
            return ("+" + digits) if value.startswith("+") else digits
        case IndicatorType.EMAIL | IndicatorType.DOMAIN:
            return value.lower().rstrip(".")
        case IndicatorType.URL:
            return value.rstrip("/")
        case _:
            return value
