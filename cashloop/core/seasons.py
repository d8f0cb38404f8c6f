"""Seasons that move when customers pay: the Spring Festival (春节), whose date follows the
lunar calendar.

The festival's Gregorian dates are listed (no lunar-calendar dependency for one date a
year); around it offices close for a week or more and payments wait until they reopen.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

# 农历正月初一 (Chinese New Year's day), as published.
SPRING_FESTIVAL = {
    2014: date(2014, 1, 31),
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
# Payments falling due from a week before the festival to two weeks after it wait for the
# holiday (the week off, then the backlog).
BEFORE = timedelta(days=7)
AFTER = timedelta(days=14)


def in_spring_festival(day: date) -> bool:
    """Whether `day` falls in the festival's payment lull."""
    festival = SPRING_FESTIVAL.get(day.year)
    return festival is not None and festival - BEFORE <= day <= festival + AFTER


def spring_festival_mask(days: np.ndarray) -> np.ndarray:
    """`in_spring_festival` over an array of proleptic ordinals (`date.toordinal()`)."""
    mask = np.zeros(days.shape, dtype=bool)
    for festival in SPRING_FESTIVAL.values():
        start, end = (festival - BEFORE).toordinal(), (festival + AFTER).toordinal()
        mask |= (days >= start) & (days <= end)
    return mask
