import pytest

from portefeuille.api.testing import fast_password_hashing, fresh_rate_limits  # noqa: F401


@pytest.fixture(autouse=True)
def _api_test_setup(fast_password_hashing: None, fresh_rate_limits: None) -> None:  # noqa: F811
    """Fast password hashing, and sign-in rate limits that never leak between tests."""
