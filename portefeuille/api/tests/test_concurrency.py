"""If-Match / ETag rules of portefeuille.api.concurrency (the endpoints are tested per app)."""

import pytest

from portefeuille.api.concurrency import (
    StaleWrite,
    check_if_match,
    expected_version,
    representation_version,
)


@pytest.mark.parametrize("if_match", [None, "", '"7"', 'W/"7"', '"3", "7"', "*", "7"])
def test_matching_or_absent_if_match_lets_the_write_through(if_match: str | None) -> None:
    check_if_match(if_match, 7)


@pytest.mark.parametrize("if_match", ['"6"', 'W/"8"', '"70"', '"3", "6"', "garbage"])
def test_another_version_in_if_match_is_a_stale_write(if_match: str) -> None:
    with pytest.raises(StaleWrite):
        check_if_match(if_match, 7)


@pytest.mark.parametrize("if_match", [None, "", "*", '"3", *'])
def test_no_if_match_asks_the_service_for_no_check(if_match: str | None) -> None:
    assert expected_version(if_match, 7) is None


@pytest.mark.parametrize("if_match", ['"7"', 'W/"7"', '"3", "7"', "7"])
def test_an_if_match_naming_the_version_read_expects_it(if_match: str) -> None:
    # The service compares it under its lock: a write in between is still refused.
    assert expected_version(if_match, 7) == 7


@pytest.mark.parametrize(
    ("if_match", "expected"),
    [('"6"', 6), ('W/"8"', 8), ('"70"', 70), ('"3", "6"', 3), ("garbage", -1), ('"²"', -1)],
)
def test_an_if_match_naming_another_version_expects_one_the_service_refuses(
    if_match: str, expected: int
) -> None:
    assert expected_version(if_match, 7) == expected


def test_a_stale_body_version_wins_over_a_fresh_if_match() -> None:
    assert expected_version('"7"', 7, sent_version=5) == 5
    assert expected_version('"5"', 7, sent_version=7) == 5
    assert expected_version(None, 7, sent_version=7) == 7
    assert expected_version("*", 7, sent_version=None) is None


def test_representation_version_follows_every_visible_field_but_not_itself() -> None:
    base = {"name": "Audit", "members": [1, 2], "version": "old"}

    assert representation_version(base) == representation_version({**base, "version": "new"})
    assert representation_version(base) != representation_version({**base, "members": [1]})
    assert representation_version(base) != representation_version({**base, "name": "audit"})
