"""English date formats: day before month and a 24-hour clock.

Django's English formats are American (month first, a.m./p.m.); analysts on both sides of a
border read "3 Feb 2026, 14:05" the same way, where "02/03/2026 2:05 p.m." is ambiguous.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
