"""Tests for statutory clocks: working days, deadline rules, suspensions, anniversaries."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.calendar import (
    NATIONS,
    DeadlineRule,
    WorkingCalendar,
    add_months,
    anniversaries,
    days_left,
    due_date,
)

ENGLAND = WorkingCalendar()
SCOTLAND = WorkingCalendar(nation="scotland")
WALES = WorkingCalendar(nation="wales")
NORTHERN_IRELAND = WorkingCalendar(nation="northern_ireland")


def rule(amount: int, unit: str, anchor: str = "entered") -> DeadlineRule:
    """A rule built directly, for brevity."""
    return DeadlineRule(amount=amount, unit=unit, anchor=anchor)


# ----------------------------------------------------------------- an independent oracle

_SUBDIV = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}


@functools.cache
def _library_holidays(nation: str) -> holidays.HolidayBase:
    """The holidays library's own table, used as an oracle (expands by year on lookup)."""
    return holidays.country_holidays("GB", subdiv=_SUBDIV[nation], years=range(2017, 2034))


def naive_is_working(nation: str, d: date) -> bool:
    """A working day, asked of the holidays library directly."""
    return d.weekday() < 5 and d not in _library_holidays(nation)


def naive_add(nation: str, start: date, n: int) -> date:
    """The n-th working day after start, by walking one day at a time."""
    d = start
    while n:
        d += timedelta(days=1)
        if naive_is_working(nation, d):
            n -= 1
    return d


def naive_between(nation: str, start: date, end: date) -> int:
    """Working days in (start, end], by walking one day at a time."""
    lo, hi, sign = (start, end, 1) if start <= end else (end, start, -1)
    days = ((lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    return sign * sum(naive_is_working(nation, d) for d in days)


# ----------------------------------------------------------------------------- calendar


class TestWorkingCalendar:
    def test_default_nation_is_england(self) -> None:
        """A calendar made without arguments uses England's holidays."""
        expected = "england"
        assert expected == WorkingCalendar().nation

    def test_unknown_nation_names_the_allowed_values(self) -> None:
        """An unknown nation is an InputError listing every allowed nation and a suggestion."""
        with pytest.raises(InputError) as caught:
            WorkingCalendar(nation="scotlnd")
        message = str(caught.value)
        assert "did you mean 'scotland'?" in message
        assert all(n in message for n in NATIONS)

    def test_holiday_names_come_from_the_library(self) -> None:
        """Holiday names are the library's, and differ between nations."""
        expected = ["Christmas Day", "New Year Holiday", None]
        assert expected == [
            ENGLAND.holiday_name(date(2025, 12, 25)),
            SCOTLAND.holiday_name(date(2026, 1, 2)),
            ENGLAND.holiday_name(date(2026, 1, 2)),
        ]

    def test_weekends_and_holidays_are_not_working_days(self) -> None:
        """Saturday, Sunday and a bank holiday are not working days; a plain Monday is."""
        days = (date(2025, 12, 27), date(2025, 12, 28), date(2025, 12, 26), date(2025, 12, 29))
        expected = [False, False, False, True]
        assert expected == [ENGLAND.is_working_day(d) for d in days]

    def test_christmas_boxing_day_and_weekend_are_skipped(self) -> None:
        """From Tue 23 Dec 2025, 3 working days skip Christmas, Boxing Day and the weekend."""
        assert date(2025, 12, 30) == ENGLAND.add_working_days(date(2025, 12, 23), 3)

    def test_new_year_differs_between_england_and_scotland(self) -> None:
        """2 January 2026 is a holiday in Scotland only, so the next working day differs."""
        start = date(2025, 12, 31)
        assert (date(2026, 1, 2), date(2026, 1, 5)) == (
            ENGLAND.add_working_days(start, 1),
            SCOTLAND.add_working_days(start, 1),
        )

    def test_saint_andrews_day_substitute_in_scotland(self) -> None:
        """St Andrew's Day 2025 falls on a Sunday, so Scotland takes Monday 1 December off."""
        start = date(2025, 11, 28)
        expected = ("Saint Andrew's Day (observed)", date(2025, 12, 1), date(2025, 12, 2))
        assert expected == (
            SCOTLAND.holiday_name(date(2025, 12, 1)),
            ENGLAND.add_working_days(start, 1),
            SCOTLAND.add_working_days(start, 1),
        )

    def test_saint_andrews_day_2026_on_the_day(self) -> None:
        """St Andrew's Day 2026 is a Monday, a holiday in Scotland but not in England."""
        start = date(2026, 11, 27)
        assert (date(2026, 11, 30), date(2026, 12, 1)) == (
            ENGLAND.add_working_days(start, 1),
            SCOTLAND.add_working_days(start, 1),
        )

    def test_easter_england_skips_good_friday_and_easter_monday(self) -> None:
        """In England, the working day after Maundy Thursday 2026 is the Tuesday."""
        assert date(2026, 4, 7) == ENGLAND.add_working_days(date(2026, 4, 2), 1)

    def test_easter_monday_is_a_working_day_in_scotland(self) -> None:
        """Easter Monday is not a bank holiday in Scotland; Good Friday is."""
        assert date(2026, 4, 6) == SCOTLAND.add_working_days(date(2026, 4, 2), 1)
        assert SCOTLAND.is_working_day(date(2026, 4, 3)) is False

    def test_wales_follows_england_at_easter(self) -> None:
        """Wales has Easter Monday off, like England."""
        assert date(2026, 4, 7) == WALES.add_working_days(date(2026, 4, 2), 1)

    def test_saint_patricks_day_in_northern_ireland(self) -> None:
        """St Patrick's Day (Tue 17 March 2026) is a holiday only in Northern Ireland."""
        start = date(2026, 3, 16)
        assert (date(2026, 3, 17), date(2026, 3, 18)) == (
            ENGLAND.add_working_days(start, 1),
            NORTHERN_IRELAND.add_working_days(start, 1),
        )

    def test_zero_working_days_is_the_start_even_on_a_holiday(self) -> None:
        """Adding 0 working days returns the start date unchanged, even on Christmas Day."""
        assert date(2025, 12, 25) == ENGLAND.add_working_days(date(2025, 12, 25), 0)

    def test_starting_on_a_weekend_counts_from_monday(self) -> None:
        """From Saturday 7 March 2026, the first working day is Monday 9 March."""
        assert date(2026, 3, 9) == ENGLAND.add_working_days(date(2026, 3, 7), 1)

    @pytest.mark.parametrize("n", [-1, True, 1.5])
    def test_bad_counts_are_rejected(self, n: object) -> None:
        """A negative, boolean or fractional number of working days is an InputError."""
        with pytest.raises(InputError, match="whole number"):
            ENGLAND.add_working_days(date(2026, 1, 5), n)  # type: ignore[arg-type]

    def test_working_days_between_over_new_year(self) -> None:
        """Between 23 Dec 2025 and 5 Jan 2026 England has 6 working days, Scotland 5."""
        start, end = date(2025, 12, 23), date(2026, 1, 5)
        expected = (6, 5)
        assert expected == (
            ENGLAND.working_days_between(start, end),
            SCOTLAND.working_days_between(start, end),
        )

    def test_working_days_between_is_negative_backwards(self) -> None:
        """Counting backwards gives the negated count."""
        expected = -6
        assert expected == ENGLAND.working_days_between(date(2026, 1, 5), date(2025, 12, 23))

    def test_working_days_between_same_day_is_zero(self) -> None:
        """No working days lie between a date and itself."""
        expected = 0
        assert expected == ENGLAND.working_days_between(date(2026, 1, 5), date(2026, 1, 5))

    def test_working_days_between_excludes_start_includes_end(self) -> None:
        """From Friday to the next Monday is one working day: the Monday."""
        expected = 1
        assert expected == ENGLAND.working_days_between(date(2026, 3, 6), date(2026, 3, 9))

    def test_working_days_in_a_full_year(self) -> None:
        """England has 261 weekdays minus 8 weekday bank holidays in 2025: 253 working days."""
        expected = 253
        assert expected == ENGLAND.working_days_between(date(2024, 12, 31), date(2025, 12, 31))


# -------------------------------------------------------------------------------- rules


class TestDeadlineRuleParse:
    def test_working_days_form(self) -> None:
        """The working-day form parses with its anchor and no problems."""
        assert (rule(5, "working_days", "known_on"), []) == DeadlineRule.parse(
            {"working_days": 5, "from": "known_on"}
        )

    def test_from_defaults_to_entered(self) -> None:
        """Without ``from`` the clock counts from ``entered``."""
        assert (rule(60, "days", "entered"), []) == DeadlineRule.parse({"days": 60})

    def test_months_form_with_label(self) -> None:
        """The months form keeps a state anchor and a label."""
        expected = DeadlineRule(
            amount=6, unit="months", anchor="state:decision", label="Local review published"
        )
        assert (expected, []) == DeadlineRule.parse(
            {"months": 6, "from": "state:decision", "label": "Local review published"}
        )

    def test_negative_amount(self) -> None:
        """A negative amount is reported against its key, showing the value."""
        expected = (None, [(("working_days",), "must be a positive whole number (got -3)")])
        assert expected == DeadlineRule.parse({"working_days": -3})

    def test_zero_amount(self) -> None:
        """Zero is not a positive amount."""
        expected = [(("days",), "must be a positive whole number (got 0)")]
        assert expected == DeadlineRule.parse({"days": 0})[1]

    def test_bool_is_not_a_number(self) -> None:
        """YAML ``true`` is rejected even though bool is an int in Python."""
        expected = (None, [(("days",), "must be a positive whole number (got true)")])
        assert expected == DeadlineRule.parse({"days": True})

    def test_text_amount(self) -> None:
        """A quoted number is not a whole number."""
        expected = [(("months",), "must be a positive whole number (got '6')")]
        assert expected == DeadlineRule.parse({"months": "6"})[1]

    def test_two_units(self) -> None:
        """Giving two units names both."""
        message = "give exactly one of working_days, days, months (got days, months)"
        expected = (None, [((), message)])
        assert expected == DeadlineRule.parse({"days": 60, "months": 2})

    def test_no_unit(self) -> None:
        """Giving no unit says so."""
        expected = [((), "give exactly one of working_days, days, months (got none)")]
        assert expected == DeadlineRule.parse({"from": "entered"})[1]

    def test_unknown_key_with_suggestion(self) -> None:
        """A misspelt key gets a did-you-mean suggestion."""
        expected = [(("frm",), "unknown key 'frm' (did you mean 'from'?)")]
        assert expected == DeadlineRule.parse({"days": 60, "frm": "entered"})[1]

    def test_misspelt_unit_suggests_the_unit(self) -> None:
        """A misspelt unit is both unknown (with a suggestion) and leaves no unit given."""
        expected = [
            (("working_day",), "unknown key 'working_day' (did you mean 'working_days'?)"),
            ((), "give exactly one of working_days, days, months (got none)"),
        ]
        assert expected == DeadlineRule.parse({"working_day": 5})[1]

    def test_unknown_key_without_suggestion(self) -> None:
        """A key like nothing known gets no suggestion."""
        expected = [(("zzz",), "unknown key 'zzz'")]
        assert expected == DeadlineRule.parse({"days": 1, "zzz": 1})[1]

    def test_every_problem_is_reported(self) -> None:
        """Several problems are all reported, not just the first."""
        _, problems = DeadlineRule.parse({"days": -1, "from": 3, "label": 4, "labl": "x"})
        expected = [("labl",), ("days",), ("from",), ("label",)]
        assert expected == [path for path, _ in problems]

    def test_not_a_mapping(self) -> None:
        """A scalar instead of a mapping is one problem at the rule itself."""
        rule_, problems = DeadlineRule.parse(5)
        expected = (None, [()])
        assert expected == (rule_, [path for path, _ in problems])

    def test_constructor_validates(self) -> None:
        """Building a rule with an unknown unit raises InputError with a suggestion."""
        with pytest.raises(InputError, match="did you mean 'days'"):
            DeadlineRule(amount=3, unit="dayz", anchor="entered")

    def test_constructor_rejects_bool_amount(self) -> None:
        """Building a rule with a bool amount raises InputError."""
        with pytest.raises(InputError, match="positive whole number"):
            DeadlineRule(amount=True, unit="days", anchor="entered")

    def test_describe(self) -> None:
        """A rule without a label describes itself in words, singular where needed."""
        expected = ["5 working days from known_on", "1 month from entered", "Report"]
        assert expected == [
            rule(5, "working_days", "known_on").describe(),
            rule(1, "months").describe(),
            DeadlineRule(amount=1, unit="days", anchor="entered", label="Report").describe(),
        ]


# ---------------------------------------------------------------------------- due dates


class TestDueDate:
    def test_notification_five_working_days_over_new_year(self) -> None:
        """Notification 5 working days from 23 Dec 2025: 2 Jan in England, 5 Jan in Scotland."""
        notify = rule(5, "working_days", "known_on")
        start = date(2025, 12, 23)
        assert (date(2026, 1, 2), date(2026, 1, 5)) == (
            due_date(notify, start, calendar=ENGLAND),
            due_date(notify, start, calendar=SCOTLAND),
        )

    def test_rapid_review_fifteen_working_days_over_easter(self) -> None:
        """A rapid review from Mon 30 Mar 2026 is due 22 Apr in England, 21 Apr in Scotland."""
        rapid = rule(15, "working_days")
        start = date(2026, 3, 30)
        assert (date(2026, 4, 22), date(2026, 4, 21)) == (
            due_date(rapid, start, calendar=ENGLAND),
            due_date(rapid, start, calendar=SCOTLAND),
        )

    def test_consultation_sixty_days(self) -> None:
        """60 calendar days from 10 Jan 2026 is 11 Mar 2026, whatever the holidays."""
        assert date(2026, 3, 11) == due_date(rule(60, "days"), date(2026, 1, 10), calendar=ENGLAND)

    def test_response_ninety_days(self) -> None:
        """90 calendar days from 1 Dec 2025 is 1 Mar 2026."""
        assert date(2026, 3, 1) == due_date(rule(90, "days"), date(2025, 12, 1), calendar=ENGLAND)

    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2025, 5, 15), 6, date(2025, 11, 15)),
            (date(2025, 8, 31), 6, date(2026, 2, 28)),
            (date(2024, 1, 31), 1, date(2024, 2, 29)),
            (date(2025, 1, 31), 1, date(2025, 2, 28)),
            (date(2025, 10, 31), 2, date(2025, 12, 31)),
            (date(2025, 12, 31), 6, date(2026, 6, 30)),
        ],
    )
    def test_months_clamp_to_month_end(self, start: date, months: int, expected: date) -> None:
        """Months are added on the calendar and clamped to the end of a shorter month."""
        assert expected == due_date(rule(months, "months"), start, calendar=ENGLAND)

    def test_suspension_moves_working_day_deadline_by_its_length(self) -> None:
        """A rapid review suspended for one working week (5 working days) is due 5 later."""
        rapid = rule(15, "working_days")
        start = date(2026, 3, 2)
        suspended = [(date(2026, 3, 9), date(2026, 3, 16))]
        assert (date(2026, 3, 23), date(2026, 3, 30)) == (
            due_date(rapid, start, calendar=ENGLAND),
            due_date(rapid, start, calendar=ENGLAND, suspensions=suspended),
        )

    def test_suspension_counts_only_its_working_days(self) -> None:
        """Suspended over Christmas 2025, only the 6 working days inside the gap are added."""
        rapid = rule(15, "working_days")
        start = date(2025, 12, 15)
        suspended = [(date(2025, 12, 22), date(2026, 1, 2))]  # 22, 23, 24, 29, 30, 31 Dec
        plain = due_date(rapid, start, calendar=ENGLAND)
        assert (date(2026, 1, 8), date(2026, 1, 16)) == (
            plain,
            due_date(rapid, start, calendar=ENGLAND, suspensions=suspended),
        )

    def test_suspension_moves_calendar_day_deadline_by_its_length(self) -> None:
        """A consultation suspended for 14 days is due 14 days later."""
        consult = rule(60, "days")
        suspended = [(date(2026, 2, 1), date(2026, 2, 15))]
        assert date(2026, 3, 25) == due_date(
            consult, date(2026, 1, 10), calendar=ENGLAND, suspensions=suspended
        )

    def test_suspension_extends_month_deadline(self) -> None:
        """A local review suspended for 30 days in July is due 30 days after 1 Dec."""
        local = rule(6, "months", "state:decision")
        suspended = [(date(2025, 7, 1), date(2025, 7, 31))]
        assert date(2025, 12, 31) == due_date(
            local, date(2025, 6, 1), calendar=ENGLAND, suspensions=suspended
        )

    def test_open_suspension_stops_the_clock(self) -> None:
        """While a suspension is open there is no due date."""
        suspended = [(date(2026, 3, 9), None)]
        assert (
            due_date(
                rule(15, "working_days"), date(2026, 3, 2), calendar=ENGLAND, suspensions=suspended
            )
            is None
        )

    def test_open_suspension_from_before_the_start_stops_the_clock(self) -> None:
        """A case already suspended when the clock would start has no due date."""
        suspended = [(date(2026, 1, 1), None)]
        assert (
            due_date(rule(60, "days"), date(2026, 3, 2), calendar=ENGLAND, suspensions=suspended)
            is None
        )

    def test_suspension_after_the_due_date_changes_nothing(self) -> None:
        """A suspension (open or closed) that starts after the clock ran out leaves the date."""
        rapid = rule(15, "working_days")
        start = date(2026, 3, 2)
        later = [[(date(2026, 3, 24), date(2026, 4, 30))], [(date(2026, 3, 24), None)]]
        assert [date(2026, 3, 23)] * 2 == [
            due_date(rapid, start, calendar=ENGLAND, suspensions=s) for s in later
        ]

    def test_suspension_before_the_start_changes_nothing(self) -> None:
        """A closed suspension wholly before the start does not move the deadline."""
        consult = rule(60, "days")
        suspended = [(date(2025, 11, 1), date(2025, 12, 1))]
        assert date(2026, 3, 11) == due_date(
            consult, date(2026, 1, 10), calendar=ENGLAND, suspensions=suspended
        )

    def test_suspension_straddling_the_start_counts_from_its_end(self) -> None:
        """A suspension already running at the start delays counting until it ends."""
        consult = rule(60, "days")
        suspended = [(date(2026, 1, 1), date(2026, 1, 20))]  # 11-19 Jan lost: 9 days
        assert date(2026, 3, 20) == due_date(
            consult, date(2026, 1, 10), calendar=ENGLAND, suspensions=suspended
        )

    def test_overlapping_suspensions_count_once(self) -> None:
        """Two overlapping suspensions stop the clock for their union only (20 days)."""
        consult = rule(60, "days")
        suspended = [(date(2026, 2, 10), date(2026, 2, 21)), (date(2026, 2, 1), date(2026, 2, 15))]
        assert date(2026, 3, 31) == due_date(
            consult, date(2026, 1, 10), calendar=ENGLAND, suspensions=suspended
        )

    def test_suspension_ending_before_it_starts_is_rejected(self) -> None:
        """A suspension whose end precedes its start is an InputError."""
        with pytest.raises(InputError, match="cannot end"):
            due_date(
                rule(60, "days"),
                date(2026, 1, 10),
                calendar=ENGLAND,
                suspensions=[(date(2026, 2, 1), date(2026, 1, 1))],
            )


class TestDaysLeftAndClock:
    def test_working_days_left_over_christmas(self) -> None:
        """From 23 Dec 2025 to a 2 Jan 2026 deadline, 5 working days are left in England."""
        expected = 5
        assert expected == days_left(
            date(2026, 1, 2), date(2025, 12, 23), calendar=ENGLAND, unit="working_days"
        )

    def test_overdue_is_negative(self) -> None:
        """Two working days after the deadline, -2 working days are left."""
        expected = -2
        assert expected == days_left(
            date(2026, 3, 6), date(2026, 3, 10), calendar=ENGLAND, unit="working_days"
        )

    def test_calendar_days_left(self) -> None:
        """Day and month rules count calendar days left."""
        expected = (10, -3)
        assert expected == (
            days_left(date(2026, 3, 11), date(2026, 3, 1), calendar=ENGLAND, unit="days"),
            days_left(date(2026, 3, 11), date(2026, 3, 14), calendar=ENGLAND, unit="months"),
        )

    def test_unknown_unit_is_rejected(self) -> None:
        """An unknown unit is an InputError."""
        with pytest.raises(InputError, match="unknown unit"):
            days_left(date(2026, 3, 11), date(2026, 3, 1), calendar=ENGLAND, unit="weeks")


class TestAnniversaries:
    def test_each_anniversary_up_to_and_including_until(self) -> None:
        """Anniversaries run up to and including the end date, excluding the start."""
        assert [date(2025, 3, 10), date(2026, 3, 10)] == anniversaries(
            date(2024, 3, 10), date(2026, 3, 10)
        )

    def test_leap_day_falls_back_to_28_february(self) -> None:
        """A 29 February decision has anniversaries on 28 Feb, and 29 Feb in leap years."""
        assert [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)] == (
            anniversaries(date(2024, 2, 29), date(2028, 3, 1))
        )

    def test_none_before_the_first_anniversary(self) -> None:
        """No interim statement is due within the first year."""
        expected: list[date] = []
        assert expected == anniversaries(date(2025, 6, 1), date(2026, 5, 31))

    def test_add_months_backwards(self) -> None:
        """Negative months go back, also clamping."""
        assert date(2026, 2, 28) == add_months(date(2026, 3, 31), -1)


# --------------------------------------------------------------------------- properties

dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
nations = st.sampled_from(NATIONS)
fast = settings(max_examples=60, deadline=None)


class TestProperties:
    @fast
    @given(nation=nations, start=dates, n=st.integers(min_value=1, max_value=300))
    def test_added_working_day_is_a_working_day(self, nation: str, start: date, n: int) -> None:
        """add_working_days(start, n) is a working day, the one found by walking day by day."""
        cal = WorkingCalendar(nation=nation)
        result = cal.add_working_days(start, n)
        assert (True, naive_add(nation, start, n)) == (naive_is_working(nation, result), result)

    @fast
    @given(nation=nations, start=dates, n=st.integers(min_value=0, max_value=300))
    def test_between_inverts_add(self, nation: str, start: date, n: int) -> None:
        """Counting the working days up to add_working_days(start, n) gives back n."""
        cal = WorkingCalendar(nation=nation)
        assert n == cal.working_days_between(start, cal.add_working_days(start, n))

    @fast
    @given(nation=nations, a=dates, b=dates)
    def test_between_matches_walking(self, nation: str, a: date, b: date) -> None:
        """working_days_between agrees with a day-by-day count, in both directions."""
        cal = WorkingCalendar(nation=nation)
        assert (naive_between(nation, a, b), -naive_between(nation, a, b)) == (
            cal.working_days_between(a, b),
            cal.working_days_between(b, a),
        )

    @fast
    @given(
        nation=nations,
        unit=st.sampled_from(["working_days", "days", "months"]),
        start=dates,
        amounts=st.sets(st.integers(min_value=1, max_value=40), min_size=2, max_size=2),
        gaps=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 60)), max_size=3),
    )
    def test_due_dates_increase_with_amount(
        self,
        nation: str,
        unit: str,
        start: date,
        amounts: set[int],
        gaps: list[tuple[int, int]],
    ) -> None:
        """A longer clock is due strictly later, with or without suspensions."""
        cal = WorkingCalendar(nation=nation)
        suspensions = [
            (start + timedelta(days=o), start + timedelta(days=o + length)) for o, length in gaps
        ]
        short, long = sorted(amounts)
        early = due_date(rule(short, unit), start, calendar=cal, suspensions=suspensions)
        late = due_date(rule(long, unit), start, calendar=cal, suspensions=suspensions)
        assert early is not None and late is not None
        assert early < late

    @fast
    @given(
        nation=nations,
        start=dates,
        amount=st.integers(min_value=1, max_value=60),
        offset=st.integers(min_value=1, max_value=200),
        length=st.integers(min_value=0, max_value=60),
    )
    def test_suspension_moves_deadline_by_suspended_time(
        self, nation: str, start: date, amount: int, offset: int, length: int
    ) -> None:
        """A suspension beginning after the start and by the due date moves it by its length."""
        cal = WorkingCalendar(nation=nation)
        working, calendar_days = rule(amount, "working_days"), rule(amount, "days")
        plain_working = due_date(working, start, calendar=cal)
        plain_days = due_date(calendar_days, start, calendar=cal)
        assert plain_working is not None and plain_days is not None
        begin = start + timedelta(days=offset)
        end = begin + timedelta(days=length)
        gap = [(begin, end)]
        if begin <= plain_working:
            lost = cal.working_days_between(begin - timedelta(days=1), end - timedelta(days=1))
            expected = cal.add_working_days(plain_working, lost)
        else:
            expected = plain_working
        assert expected == due_date(working, start, calendar=cal, suspensions=gap)
        expected_days = plain_days + (end - begin) if begin <= plain_days else plain_days
        assert expected_days == due_date(calendar_days, start, calendar=cal, suspensions=gap)
