"""Review forms: drawing a sample, and the checklist of one case file (one pass/fail + note per item)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from hotline.core.clock import local_today
from hotline.core.forms import HotlineForm
from hotline.core.permissions import province_code
from hotline.reference import queries as ref
from hotline.review.operations import MAX_LABEL_LENGTH, MAX_NOTE_LENGTH, MAX_SAMPLE_SIZE

#: What a checklist category is called in the UI.
CATEGORY_LABELS = {
    "veto": _l("Veto items"),
    "form": _l("Form of the file"),
    "content": _l("Content of the file"),
}
CATEGORY_ORDER = ("veto", "form", "content")
VERDICT_CHOICES = [SelectChoice("pass", _l("Pass")), SelectChoice("fail", _l("Fail"))]


class DrawSampleForm(HotlineForm):
    region_code = SelectField(_l("Region"), validators=[InputRequired()],
                              description=_l("Province supervisors may sample one region or all of them."))
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000)],
                        description=_l("Cases closed in this year are drawn."))
    size = IntegerField(_l("Number of files"), validators=[InputRequired(), NumberRange(min=1, max=MAX_SAMPLE_SIZE)])
    label = StringField(_l("Sample name"), validators=[InputRequired(), Length(max=MAX_LABEL_LENGTH)],
                        description=_l("For example “2015 年度评查”. Files already in this sample are not "
                                       "drawn again."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.region_code == province_code():
            self.region_code.choices = [SelectChoice(province_code(), _l("All regions"))] + [
                SelectChoice(r.code, r.name) for r in ref.list_regions() if r.code != province_code()]
        else:
            region = ref.region_map().get(user.region_code)
            self.region_code.choices = [SelectChoice(user.region_code, region.name if region else user.region_code)]
        if self.year.data is None and not self.is_submitted():
            self.year.data = local_today().year - 1

    def validate_year(self, field) -> None:
        if field.data is not None and field.data > local_today().year:
            raise ValidationError(_l("Cases of a future year cannot be sampled."))


class ScoreReviewForm(HotlineForm):
    """Fields ``item_<id>`` (pass/fail) and ``note_<id>`` are added per item by :func:`score_form`."""

    def item_fields(self, item_id: int):
        return self[f"item_{item_id}"], self[f"note_{item_id}"]

    def scores_data(self) -> dict[int, tuple[bool, str | None]]:
        """``{item_id: (passed, note)}`` for every item given a verdict; items left blank are not judged."""
        out: dict[int, tuple[bool, str | None]] = {}
        for name, field in self._fields.items():
            if name.startswith("item_") and field.data in ("pass", "fail"):
                item_id = int(name[len("item_"):])
                out[item_id] = (field.data == "pass", self[f"note_{item_id}"].data or None)
        return out


def score_form(review) -> ScoreReviewForm:
    """The checklist form of ``review``, filled with its current verdicts and notes (the posted ones on submit)."""

    class _Form(ScoreReviewForm):
        pass

    for score in review.scores:
        setattr(_Form, f"item_{score.item_id}", RadioField(score.item.title, choices=VERDICT_CHOICES,
                                                           validators=[Optional()]))
        setattr(_Form, f"note_{score.item_id}", StringField(
            _l("Note"), validators=[Optional(), Length(max=MAX_NOTE_LENGTH)]))
    data = {}
    for score in review.scores:
        data[f"item_{score.item_id}"] = None if score.passed is None else ("pass" if score.passed else "fail")
        data[f"note_{score.item_id}"] = score.note or ""
    return _Form(data=data)
