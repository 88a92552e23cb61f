"""Campaign and trade-fair forms (supervisors), and the link fields the case and call forms share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.core.forms import HotlineForm
from hotline.core.permissions import supervises
from hotline.reference import queries as ref


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (each reached with Tab, ticked with Space)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def region_choices(user) -> list[SelectChoice]:
    """The regions ``user`` may name: their own (the province's supervisors: the province and every 市州)."""
    return [SelectChoice(r.code, r.name) for r in ref.list_regions() if supervises(user, r.code)]


class CampaignForm(HotlineForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"},
                       description=_l("e.g. 2015年“护航”专项行动."))
    starts_on = DateField(_l("First day"), [DataRequired()])
    ends_on = DateField(_l("Last day"), [DataRequired()])
    region_codes = CheckboxList(_l("Regions"), [DataRequired()], choices=[],
                                description=_l("Where it runs; the province: every 市州."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_codes.choices = region_choices(user)


class ExhibitionForm(HotlineForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"})
    venue = StringField(_l("Venue"), [DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"})
    starts_on = DateField(_l("First day"), [DataRequired()])
    ends_on = DateField(_l("Last day"), [DataRequired()])
    region_code = SelectField(_l("Region"), [DataRequired()], choices=[])
    stationed = BooleanField(_l("The office stationed a booth (入驻)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code.choices = region_choices(user)


class YearFilterForm(HotlineForm):
    drops_nul = True

    class Meta:
        csrf = False

    year = StringField(_l("Year"), [Optional(), Length(max=4)], render_kw={"inputmode": "numeric"})


def campaign_field_choices(campaigns) -> list[SelectChoice]:
    return [SelectChoice(str(c.id), f"{c.name}（{c.starts_on.isoformat()}—{c.ends_on.isoformat()}）")
            for c in campaigns]


def exhibition_field_choices(exhibitions) -> list[SelectChoice]:
    return [SelectChoice("", _l("None"))] + [
        SelectChoice(str(e.id), f"{e.name}（{e.starts_on.isoformat()}—{e.ends_on.isoformat()}）")
        for e in exhibitions]
