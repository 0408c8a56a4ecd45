"""If-Match / ETag rules of portefeuille.api.concurrency (the endpoints are tested per app)."""

import pytest

from portefeuille.api.concurrency import StaleWrite, check_if_match, representation_version


@pytest.mark.parametrize("if_match", [None, "", '"7"', 'W/"7"', '"3", "7"', "*", "7"])
def test_matching_or_absent_if_match_lets_the_write_through(if_match) -> None:
    check_if_match(if_match, 7)


@pytest.mark.parametrize("if_match", ['"6"', 'W/"8"', '"70"', '"3", "6"', "garbage"])
def test_another_version_in_if_match_is_a_stale_write(if_match) -> None:
    with pytest.raises(StaleWrite):
        check_if_match(if_match, 7)


def test_representation_version_follows_every_visible_field_but_not_itself() -> None:
    base = {"name": "Audit", "members": [1, 2], "version": "old"}

    assert representation_version(base) == representation_version({**base, "version": "new"})
    assert representation_version(base) != representation_version({**base, "members": [1]})
    assert representation_version(base) != representation_version({**base, "name": "audit"})
