from tests.cases.conftest import attached, build_case, case_data, team  # noqa: F401
from tests.transfers.conftest import side, transfer_of, web  # noqa: F401
