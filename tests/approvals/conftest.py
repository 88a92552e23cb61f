"""The cases fixtures (``team``: 长沙 officers and supervisor, 株洲 staff; ``build_case``) for approvals."""

from tests.cases.conftest import attached, build_case, case_data, team  # noqa: F401
