"""The cases fixtures (team, build_case …) for inbox and notification tests."""

import hotline.models  # noqa: F401  (every mapper, before the test modules import query modules)
from tests.cases.conftest import attached, build_case, case_data, team  # noqa: F401
