"""Forms of supervision: designate (instructions, report-back dates), give a report, end it."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from hotline.core.forms import HotlineForm, check_year
from hotline.supervision.operations import INSTRUCTIONS_LIMIT, MAX_REPORTS, NOTE_LIMIT, REPORT_LIMIT

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Versioned(HotlineForm):
    version = IntegerField(widget=HiddenInput())

    def validate_version(self, field):
        if field.data is None:
            raise ValidationError(_l("The form is missing its version; reload the page."))


class DesignateForm(_Versioned):
    """The case's version is carried: designating changes the case (major, timeline)."""

    instructions = TextAreaField(_l("Instructions (督办意见)"),
                                 [DataRequired(message=_l("Say what the handling office must do.")),
                                  Length(max=INSTRUCTIONS_LIMIT)], render_kw={"rows": 4})
    progress_dates = TextAreaField(_l("Progress reports (进展报告) due on"), [Optional(), Length(max=1000)],
                                   description=_l("Dates as YYYY-MM-DD, one per line or separated by commas."),
                                   render_kw={"rows": 3, "placeholder": "2027-01-15\n2027-03-15"})
    final_due_on = DateField(_l("Final report (结案报告) due on"),
                             [InputRequired(message=_l("Give the date of the final report."))])

    def validate_final_due_on(self, field):
        check_year(field)

    def validate_progress_dates(self, field):
        parts = [p for p in re.split(r"[\s,，;；]+", field.data or "") if p]
        dates = []
        for part in parts:
            if not _DATE.fullmatch(part):
                raise ValidationError(_l("Not a date: %(text)s (write YYYY-MM-DD).", text=part[:20]))
            try:
                day = date.fromisoformat(part)
            except ValueError as exc:
                raise ValidationError(_l("Not a date: %(text)s (write YYYY-MM-DD).", text=part)) from exc
            if not 2000 <= day.year <= 2099:
                raise ValidationError(_l("Choose a date between 2000 and 2099."))
            dates.append(day)
        if len(dates) >= MAX_REPORTS:
            raise ValidationError(_l("At most %(limit)d report-back dates.", limit=MAX_REPORTS))
        self.progress = dates

    def reports(self) -> list[dict]:
        return [*({"kind": "progress", "due_on": d} for d in getattr(self, "progress", [])),
                {"kind": "final", "due_on": self.final_due_on.data}]


class ReportForm(_Versioned):
    text = TextAreaField(_l("Report"), [DataRequired(message=_l("Write the report.")), Length(max=REPORT_LIMIT)],
                         render_kw={"rows": 5})


class CloseForm(_Versioned):
    note = TextAreaField(_l("Conclusion"), [Optional(), Length(max=NOTE_LIMIT)], render_kw={"rows": 2})


class SupervisionFilterForm(HotlineForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), [Optional()], default="active",
                         choices=[SelectChoice("active", _l("Under supervision")),
                                  SelectChoice("closed", _l("Supervision ended")), SelectChoice("all", _l("All"))])
