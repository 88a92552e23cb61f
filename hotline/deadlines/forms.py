"""Calendar admin forms: change one day, import a year's holiday arrangement (State Council notice), add or remove
a region's own holiday."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from hotline.core.forms import HotlineForm, check_year
from hotline.deadlines.models import DayKind
from hotline.deadlines.operations import MAX_YEAR, MIN_YEAR, NAME_LIMIT, HolidayRange

DAY_KIND_LABELS = {
    DayKind.workday.value: _l("Working day"),
    DayKind.weekend.value: _l("Weekend"),
    DayKind.holiday.value: _l("Holiday"),
    DayKind.makeup_workday.value: _l("Make-up working day"),
}

_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
#: ``2027-02-06..2027-02-13 春节``; the range separator may also be ~, 至 or a dash between spaces.
_RANGE_LINE = re.compile(rf"^{_DATE}(?:\s*(?:\.\.|~|至|\s[-–—]\s)\s*{_DATE})?(?:\s+(.*))?$")
_DAY_LINE = re.compile(rf"^{_DATE}(?:\s+(.*))?$")


def _date(y: str, m: str, d: str) -> date:
    return date(int(y), int(m), int(d))


def _lines(text: str | None):
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if line and not line.startswith("#"):
            yield number, line


def parse_holidays(text: str | None) -> tuple[list[HolidayRange], list[str]]:
    """Lines ``START..END NAME`` (or a single ``DATE NAME``) → ranges, and the lines that did not parse."""
    ranges, problems = [], []
    for number, line in _lines(text):
        match = _RANGE_LINE.match(line)
        if not match:
            problems.append(f"Line {number} ({line}): write START..END NAME, e.g. 2027-02-06..2027-02-13 春节.")
            continue
        y1, m1, d1, y2, m2, d2, name = match.groups()
        try:
            start = _date(y1, m1, d1)
            end = _date(y2, m2, d2) if y2 else start
        except ValueError:
            problems.append(f"Line {number} ({line}): not a valid date.")
            continue
        ranges.append(HolidayRange(start, end, (name or "").strip() or None))
    return ranges, problems


def parse_makeup_days(text: str | None) -> tuple[list[tuple[date, str | None]], list[str]]:
    """One date per line, optionally followed by the holiday it makes up for (``2027-02-20 春节``)."""
    days, problems = [], []
    for number, line in _lines(text):
        match = _DAY_LINE.match(line)
        if not match:
            problems.append(f"Line {number} ({line}): write one date per line, e.g. 2027-02-20.")
            continue
        y, m, d, name = match.groups()
        try:
            days.append((_date(y, m, d), (name or "").strip() or None))
        except ValueError:
            problems.append(f"Line {number} ({line}): not a valid date.")
    return days, problems


class SetDayForm(HotlineForm):
    day = DateField(_l("Day"), [InputRequired(message=_l("Give the date."))])
    kind = SelectField(_l("Kind"), [DataRequired()])
    name = StringField(_l("Name"), [Optional(), Length(max=NAME_LIMIT)],
                       description=_l("Holiday name (国庆节), or the holiday a make-up day belongs to."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, label) for k, label in DAY_KIND_LABELS.items()]


class ImportYearForm(HotlineForm):
    year = IntegerField(_l("Year"), [InputRequired(message=_l("Give the year.")),
                                     NumberRange(min=MIN_YEAR, max=MAX_YEAR)], render_kw={"inputmode": "numeric"})
    holidays = TextAreaField(
        _l("Holidays"), [Length(max=5000)],
        description=_l("One range per line: START..END NAME, e.g. 2027-02-06..2027-02-13 春节. A one-day holiday "
                       "may be written as a single date."),
        render_kw={"rows": 8, "spellcheck": "false"})
    makeup_days = TextAreaField(
        _l("Make-up working days"), [Length(max=2000)],
        description=_l("Saturdays or Sundays worked in lieu (调休上班), one date per line, optionally followed by "
                       "the holiday's name."),
        render_kw={"rows": 4, "spellcheck": "false"})
    replace = BooleanField(_l("Replace the year's existing data"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parsed_holidays: list[HolidayRange] = []
        self.parsed_makeup_days: list[tuple[date, str | None]] = []

    def validate_holidays(self, field):
        self.parsed_holidays, problems = parse_holidays(field.data)
        _report(field, problems)

    def validate_makeup_days(self, field):
        self.parsed_makeup_days, problems = parse_makeup_days(field.data)
        _report(field, problems)


class RegionHolidayForm(HotlineForm):
    region_code = SelectField(_l("Region"), [DataRequired(message=_l("Choose the region."))])
    day = DateField(_l("Day"), [InputRequired(message=_l("Give the date."))])
    name = StringField(_l("Holiday"), [DataRequired(message=_l("Name the holiday (e.g. 四月八).")),
                                       Length(max=NAME_LIMIT)],
                       description=_l("An ethnic holiday of an autonomous prefecture (e.g. 四月八): a day off for "
                                      "that region's offices only."))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(r.code, r.name) for r in regions]

    def validate_day(self, field):
        check_year(field)


class RemoveRegionHolidayForm(HotlineForm):
    region_code = HiddenField(validators=[DataRequired()])
    day = HiddenField(validators=[DataRequired()])


def _report(field, problems: list[str]) -> None:
    """One error per bad line."""
    if problems:
        field.errors.extend(problems)
        raise StopValidation()
