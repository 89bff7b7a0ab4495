"""The legal clock across the 2026 holidays and make-up days, with a pause and an extension."""

from datetime import date

import pytest

from approvals import clock
from approvals.models import WarningLevel
from hall.workdays import current_calendar

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accepted_on", "limit", "expected"),
    [
        # 中秋 9/25–27 and 国庆 10/1–7 do not count; the make-up Saturday 10/10 does.
        (date(2026, 9, 24), 20, date(2026, 10, 29)),
        # 春节 2/15–23; the make-up Saturday 2/14 counts.
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        # The day of acceptance is not counted; 劳动节 5/1–5, make-up Saturday 5/9.
        (date(2026, 4, 30), 3, date(2026, 5, 8)),
        (date(2026, 4, 30), 4, date(2026, 5, 9)),
    ],
)
def test_deadline_counts_working_days_after_acceptance(accepted_on, limit, expected):
    assert clock.deadline(accepted_on, limit, calendar=current_calendar()) == expected


def test_a_pause_over_national_day_moves_the_deadline_by_the_paused_working_days():
    calendar = current_calendar()
    # Paused on Tue 9/29, resumed on Fri 10/9: working days in (9/29, 10/9] are 9/30, 10/8, 10/9.
    paused = clock.paused_working_days(date(2026, 9, 29), date(2026, 10, 9), calendar=calendar)
    assert paused == 3
    assert clock.deadline(date(2026, 9, 24), 20, paused=paused, calendar=calendar) == date(2026, 11, 3)
    # An approved extension of 10 working days on top.
    assert clock.deadline(date(2026, 9, 24), 20, paused=paused, extended=10, calendar=calendar) == date(2026, 11, 17)


def test_a_pause_entirely_inside_the_holiday_costs_nothing():
    assert clock.paused_working_days(date(2026, 10, 1), date(2026, 10, 7)) == 0


@pytest.mark.parametrize(("legal", "allowed"), [(20, 10), (45, 15), (60, 15), (10, 5), (5, 2), (1, 0), (0, 0)])
def test_extension_limit_follows_article_42(legal, allowed):
    assert clock.max_extension_days(legal) == allowed


def test_elapsed_working_days_exclude_the_pause():
    calendar = current_calendar()
    assert clock.elapsed_working_days(date(2026, 9, 24), date(2026, 10, 29), paused=0, calendar=calendar) == 20
    assert clock.elapsed_working_days(date(2026, 9, 24), date(2026, 11, 3), paused=3, calendar=calendar) == 20


@pytest.mark.parametrize(
    ("today", "limit", "level"),
    [
        (date(2026, 10, 20), 20, WarningLevel.NONE),  # 7 working days left, threshold ⌊20/3⌋ = 6
        (date(2026, 10, 21), 20, WarningLevel.YELLOW),  # 6 left
        (date(2026, 10, 29), 20, WarningLevel.YELLOW),  # the deadline itself: 0 left, not overdue
        (date(2026, 10, 30), 20, WarningLevel.RED),
        (date(2026, 10, 27), 2, WarningLevel.NONE),  # 2 left, threshold max(1, 0) = 1
        (date(2026, 10, 28), 2, WarningLevel.YELLOW),
    ],
)
def test_warning_levels(today, limit, level, settings):
    settings.APPROVALS_WARNING_MIN_DAYS = 1
    settings.APPROVALS_WARNING_LIMIT_DIVISOR = 3
    assert clock.warning_level_on(today, date(2026, 10, 29), limit) == level


def test_the_answer_period_of_article_32_counts_working_days():
    # Received Thu 9/24: five working days are 9/28, 29, 30, 10/8, 10/9 — deemed accepted from 10/10 on.
    latest = clock.latest_receipt_without_answer(date(2026, 10, 10), 5)
    assert latest >= date(2026, 9, 24)
    assert clock.latest_receipt_without_answer(date(2026, 10, 9), 5) < date(2026, 9, 24)
