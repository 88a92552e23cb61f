"""Statistics forms: the month and year pickers (GET, no CSRF) and the supervisor's rebuild form."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from hotline.core.clock import local_today
from hotline.core.forms import HotlineForm
from hotline.core.permissions import province_code, sees_region
from hotline.reference import queries as ref
from hotline.stats.compute import Month

#: The earliest year the pickers offer (the hotline covered the province from 2015; older data may be imported).
FIRST_YEAR = 2000


def parse_month(text: str | None) -> Month | None:
    """``YYYY-MM`` → Month, or None when it is not a month."""
    try:
        return Month.parse(unicodedata.normalize("NFKC", text or "").strip())
    except ValueError:
        return None


def parse_year(text: str | None) -> int | None:
    """A year between FIRST_YEAR and this year, or None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= local_today().year else None


def region_choices(user) -> list[tuple[str, str]]:
    """The regions the user sees, as a tree: 全省, each 市州 (official order) with its counties indented under it
    for a province user; a 市州 user their 市州 and its counties; a county user only their own."""
    province = province_code()
    choices = ref.region_choices(lambda code: sees_region(user, code), include_province=True)
    choices = [(code, str(_l("Whole province")) if code == province else label) for code, label in choices]
    if not choices:
        region = ref.region_map().get(user.region_code)
        choices = [(user.region_code, region.name if region else user.region_code)]
    return choices


class _MonthField(StringField):
    """``<input type="month">`` (a text box on browsers without a month picker, so the format is in the hint)."""

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "month")
        kwargs.setdefault("pattern", r"\d{4}-\d{2}")
        kwargs.setdefault("placeholder", "YYYY-MM")
        return super().__call__(**kwargs)


def _valid_month(form, field) -> None:
    month = parse_month(field.data)
    if month is None:
        raise ValidationError(_l("Enter a month as YYYY-MM, for example 2015-05."))
    if month.first_day > local_today():
        raise ValidationError(_l("This month has not started yet."))


class _GetForm(HotlineForm):
    drops_nul = True

    class Meta:
        csrf = False


class MonthlyFilterForm(_GetForm):
    month = _MonthField(_l("Month"), validators=[DataRequired(), _valid_month])
    region_code = SelectField(_l("Region"), validate_choice=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code.choices = region_choices(user)


class YearlyFilterForm(_GetForm):
    year = SelectField(_l("Year"), validate_choice=False)
    region_code = SelectField(_l("Region"), validate_choice=False)

    def __init__(self, *args, user, selected: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = local_today().year
        years = list(range(this_year, max(FIRST_YEAR, 2010) - 1, -1))
        if selected is not None and selected not in years:
            years.append(selected)
            years.sort(reverse=True)
        self.year.choices = [(str(y), str(y)) for y in years]
        self.region_code.choices = region_choices(user)


class RebuildForm(HotlineForm):
    """Recompute a range of months from the calls and cases (a locked month gets a revision to review)."""

    month_from = _MonthField(_l("From"), validators=[DataRequired(), _valid_month])
    month_to = _MonthField(_l("To"), validators=[DataRequired(), _valid_month])

    def validate_month_to(self, field) -> None:
        first, last = parse_month(self.month_from.data), parse_month(field.data)
        if first and last and last < first:
            raise ValidationError(_l("The last month is before the first."))

    def months(self) -> tuple[Month, Month]:
        return parse_month(self.month_from.data), parse_month(self.month_to.data)
