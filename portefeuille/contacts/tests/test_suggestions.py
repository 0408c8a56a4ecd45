"""Similar contacts while a name is typed: fuzzy, accent-free, and only what the colleague
may see (private by name with a padlock flag, hidden never)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries
from rapidfuzz import process

from portefeuille.contacts import suggestions
from portefeuille.contacts.suggestions import similar_contacts
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def sophie() -> Colleague:
    return f.ColleagueFactory.create(first_name="Sophie", last_name="Staff")


def names(found: list[suggestions.Suggestion]) -> list[str]:
    return [s.display_name for s in found]


@pytest.mark.parametrize(
    "typed",
    ["elodie lefevre", "ELODIE LEFÈVRE", "Lefevre Elodie", "élodie lef", "elodie lefebvre"],
)
def test_finds_a_person_whatever_the_accents_case_order_or_a_typo(
    sophie: Colleague, typed: str
) -> None:
    elodie = f.PersonFactory.create(firm=sophie.firm, first_name="Élodie", last_name="Lefèvre")
    f.PersonFactory.create(firm=sophie.firm, first_name="Marc", last_name="Dubois")
    found = similar_contacts(sophie, typed)
    assert [s.id for s in found][:1] == [elodie.pk]
    assert "Marc Dubois" not in names(found)


def test_best_match_first(sophie: Colleague) -> None:
    f.OrganizationFactory.create(firm=sophie.firm, display_name="Dupont et Associés")
    f.OrganizationFactory.create(firm=sophie.firm, display_name="Dupont SARL")
    f.OrganizationFactory.create(firm=sophie.firm, display_name="Boulangerie Durand")
    found = similar_contacts(sophie, "dupont sarl")
    assert names(found)[0] == "Dupont SARL"
    assert "Boulangerie Durand" not in names(found)


def test_private_contact_comes_back_flagged_and_hidden_never(sophie: Colleague) -> None:
    f.PersonFactory.create(
        firm=sophie.firm, first_name="Jean", last_name="Public", privacy=Privacy.PUBLIC
    )
    f.PersonFactory.create(
        firm=sophie.firm, first_name="Jean", last_name="Privé", privacy=Privacy.PRIVATE
    )
    f.PersonFactory.create(
        firm=sophie.firm, first_name="Jean", last_name="Masqué", privacy=Privacy.HIDDEN
    )
    f.PersonFactory.create(first_name="Jean", last_name="Ailleurs")  # another firm
    found = {s.display_name: s.name_only for s in similar_contacts(sophie, "jean")}
    assert found == {"Jean Public": False, "Jean Privé": True}


def test_hidden_contact_shows_to_its_team(sophie: Colleague) -> None:
    hidden = f.PersonFactory.create(
        firm=sophie.firm, first_name="Jean", last_name="Masqué", privacy=Privacy.HIDDEN
    )
    f.ClientMemberFactory.create(client=hidden, colleague=sophie)
    [found] = similar_contacts(sophie, "jean masque")
    assert (found.id, found.name_only) == (hidden.pk, False)


def test_limited_colleague_sees_only_their_clients(sophie: Colleague) -> None:
    louis = f.ColleagueFactory.create(firm=sophie.firm, scope=Colleague.Scope.LIMITED)
    f.PersonFactory.create(firm=sophie.firm, first_name="Jean", last_name="Public")
    mine = f.PersonFactory.create(
        firm=sophie.firm, first_name="Jean", last_name="Sien", manager=louis
    )
    assert [s.id for s in similar_contacts(louis, "jean")] == [mine.pk]


def test_kind_exclude_and_limit(sophie: Colleague) -> None:
    person = f.PersonFactory.create(firm=sophie.firm, first_name="Martin", last_name="Durand")
    f.OrganizationFactory.create(firm=sophie.firm, display_name="Martin Durand SARL")
    assert [s.kind for s in similar_contacts(sophie, "martin durand", kind="person")] == ["person"]
    assert person.pk not in [s.id for s in similar_contacts(sophie, "martin", exclude=person.pk)]
    for n in range(5):
        f.PersonFactory.create(firm=sophie.firm, first_name="Martin", last_name=f"Nom{n}")
    assert len(similar_contacts(sophie, "martin", limit=3)) == 3


def test_kind_filter_never_sorts_name_only_contacts_by_their_kind(sophie: Colleague) -> None:
    # A private organization seen by name only still comes back when persons are asked
    # for: leaving it out would tell its kind.
    private = f.OrganizationFactory.create(
        firm=sophie.firm, display_name="Martin Privé", privacy=Privacy.PRIVATE
    )
    found = similar_contacts(sophie, "martin prive", kind="person")
    assert [(s.id, s.name_only) for s in found] == [(private.pk, True)]


def test_a_name_only_suggestion_carries_its_name_and_not_its_kind(sophie: Colleague) -> None:
    # docs/access-rules.md: by name only, the name and nothing else; the padlock is enough.
    private = f.OrganizationFactory.create(
        firm=sophie.firm, display_name="Martin Privé", privacy=Privacy.PRIVATE
    )
    public = f.OrganizationFactory.create(firm=sophie.firm, display_name="Martin Public")
    found = {s.id: s for s in similar_contacts(sophie, "martin")}
    assert (found[private.pk].display_name, found[private.pk].kind) == ("Martin Privé", "")
    assert found[public.pk].kind == "organization"


def test_too_short_or_unrelated_input_suggests_nothing(sophie: Colleague) -> None:
    f.PersonFactory.create(firm=sophie.firm, first_name="Élodie", last_name="Lefèvre")
    assert similar_contacts(sophie, "") == []
    assert similar_contacts(sophie, "é") == []
    assert similar_contacts(sophie, "zygomar") == []


def test_scoring_is_bounded_by_the_candidate_limit(
    sophie: Colleague,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    monkeypatch.setattr(suggestions, "CANDIDATES", 5)
    for n in range(12):
        f.PersonFactory.create(firm=sophie.firm, first_name="Jean", last_name=f"Martin{n:02d}")
    seen: list[int] = []
    original = process.extract

    def counting(query: str, choices: list[str], **kwargs: Any) -> Any:
        seen.append(len(choices))
        return original(query, choices, **kwargs)

    # suggestions.py calls rapidfuzz.process.extract: patching the module counts its calls.
    monkeypatch.setattr(process, "extract", counting)
    with django_assert_max_num_queries(2):
        found = similar_contacts(sophie, "jean martin", limit=20)
    assert seen == [5]
    assert len(found) == 5
