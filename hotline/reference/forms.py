"""The regions' admin form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from hotline.core.forms import HotlineForm
from hotline.reference.operations import AUTHORITY_MAX, CASE_NUMBER_MAX


class RegionDataForm(HotlineForm):
    # Each field may be sent alone (a field left out keeps its value); a blank name is refused by the operation.
    authority_name = StringField(_l("Deciding authority"), [Optional(), Length(max=AUTHORITY_MAX)],
                                 description=_l("The office that decides the region's cases, as printed on its "
                                                "decisions and the public pages."))
    area_code = StringField(_l("Landline area code"), [Optional(), Length(max=5)],
                            description=_l("The province's: the hotline's default for numbers given without one."),
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})
    case_number_format = StringField(_l("Case number pattern"), [Optional(), Length(max=CASE_NUMBER_MAX)],
                                     description=_l("Only for an office that numbers its own cases (the province "
                                                    "always): {year} and {number}, optionally {region}. Empty: "
                                                    "its cases take the numbering of the office above."),
                                     render_kw={"autocomplete": "off"})

    def submitted_changes(self) -> dict:
        """The fields the request carried (a field left out of the request keeps its value)."""
        return {name: self[name].data for name in ("authority_name", "area_code", "case_number_format")
                if self[name].raw_data}


#: The name the regions page used before it edited more than the authority.
AuthorityForm = RegionDataForm
