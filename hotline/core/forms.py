"""Base form classes."""

from __future__ import annotations

from flask_wtf import FlaskForm


class HotlineForm(FlaskForm):
    """Every form of the app. Forms validate input shape; they never touch the session."""

    def populate_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach domain errors (``{field: [messages]}``) to the matching fields, the rest to the form."""
        for name, messages in errors.items():
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = list(field.errors) + list(messages)
            else:
                self.form_errors.extend(messages)


class ConfirmForm(HotlineForm):
    """A CSRF-only POST form for buttons that change state (logout, deactivate, revoke)."""
