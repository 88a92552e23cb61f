"""Base form classes."""

from __future__ import annotations

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation, ValidationError

#: WTForms' own messages per locale, loaded once per process (Flask-WTF reads the catalog from disk again in every
#: request that builds a form).
_WTFORMS_TRANSLATIONS: dict[str, support.Translations] = {}


def _holds_nul(field) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in (field.raw_data or ()))


def refuse_nul(form, field) -> None:
    """No field holds NUL: PostgreSQL cannot store it (nor even compare text holding it), and no name, date or
    note needs it. Runs before the form's own ``validate_<field>`` checks, which may look the value up."""
    if _holds_nul(field):
        raise StopValidation(_l("Contains a character that is not allowed (NUL)."))


class HotlineForm(FlaskForm):
    """Every form of the app. Forms validate input shape; they never touch the session."""

    #: A list's filters (GET): NUL is dropped from their text, as it can match nothing stored, instead of refused
    #: (a refused filter would be ignored, and the list would show everything).
    drops_nul = False

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            locale = str(get_locale() or "en")
            translations = _WTFORMS_TRANSLATIONS.get(locale)
            if translations is None:
                translations = _WTFORMS_TRANSLATIONS[locale] = support.Translations.load(
                    messages_path(), [locale], domain="wtforms")
            return translations

    def validate(self, extra_validators=None):
        """WTForms' validation, with :func:`refuse_nul` on every field (a field error, never a 500); a filter form
        (``drops_nul``) drops NUL from its text fields instead."""
        if self.drops_nul:
            for field in self:
                if isinstance(field.data, str) and "\x00" in field.data:
                    field.data = field.data.replace("\x00", "")
            return super().validate(extra_validators)
        extra = {name: [refuse_nul, *(extra_validators or {}).get(name, ())] for name in self._fields}
        return super().validate(extra)

    def populate_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach domain errors (``{field: [messages]}``) to the matching fields, the rest to the form."""
        for name, messages in errors.items():
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = list(field.errors) + list(messages)
            else:
                self.form_errors.extend(messages)


    def reset_version(self, version: int) -> None:
        """After a conflict the form carries the current version: submitting again is a deliberate overwrite."""
        self.version.data = version
        self.version.raw_data = None

    def apply_domain_errors(self, errors: dict[str, list[str]], aliases: dict[str, str] | None = None) -> None:
        """Domain errors onto the form (field names may be renamed by ``aliases``); errors of hidden or absent
        fields (the version) go to the top of the form, where the template shows them."""
        mapped: dict[str, list[str]] = {}
        for name, messages in errors.items():
            name = (aliases or {}).get(name, name)
            field = self._fields.get(name)
            if field is None or getattr(field.widget, "input_type", None) == "hidden":
                self.form_errors.extend(messages)
            else:
                mapped.setdefault(name, []).extend(messages)
        self.populate_errors(mapped)

    def lift_hidden_errors(self) -> None:
        """Move errors of hidden fields (version, CSRF) to the form, where the template shows them."""
        for field in self:
            if getattr(field.widget, "input_type", None) == "hidden" and field.errors:
                self.form_errors.extend(field.errors)
                field.errors = []


class ConfirmForm(HotlineForm):
    """A CSRF-only POST form for buttons that change state (logout, deactivate, revoke)."""


def check_year(field) -> None:
    """Dates outside 2000–2099 are refused (far-away dates cannot become UTC instants, and are typos)."""
    if field.data and not 2000 <= field.data.year <= 2099:
        raise ValidationError(_l("Choose a date between 2000 and 2099."))
