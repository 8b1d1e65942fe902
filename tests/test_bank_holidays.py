"""The shipped bank-holiday table is exactly what the ``holidays`` library computes."""

from __future__ import annotations

from datetime import date

import pytest

from aaib_cp.workflow import bank_holidays, bank_holidays_source
from aaib_cp.workflow.calendar import WorkingCalendar, _year_table


def test_generated_module_is_current():
    """The module's text is what the generator writes now (regenerate after upgrading)."""
    path = bank_holidays.__file__
    with open(path, encoding="utf-8") as fh:
        assert bank_holidays_source.render() == fh.read()


@pytest.mark.parametrize("subdiv", bank_holidays_source.SUBDIVISIONS)
def test_every_shipped_year_matches_the_library(subdiv):
    """Each nation's shipped years give the same dates and names as ``holidays``."""
    import holidays

    for year in range(bank_holidays.FIRST_YEAR, bank_holidays.LAST_YEAR + 1):
        table = holidays.country_holidays("GB", subdiv=subdiv, years=range(year - 1, year + 2))
        expected = {d: str(n) for d, n in table.items() if d.year == year}
        assert expected == dict(_year_table(subdiv, year).names), (subdiv, year)


def test_years_outside_the_table_come_from_the_library():
    """A year beyond the shipped ones is still computed (2060's Christmas is a holiday)."""
    assert bank_holidays.LAST_YEAR < 2060
    assert "Christmas Day" == WorkingCalendar().holiday_name(date(2060, 12, 25))
    assert not WorkingCalendar().is_working_day(date(1999, 12, 27))
