"""Phone, company, VAT and tax numbers: what is accepted, how it is stored, and French
messages that name the field and say why a number is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portefeuille.contacts import validators as v


def refusal(error: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    assert list(error.value.message_dict) == [field]
    return error.value.message_dict[field][0]


# --- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("06 12 34 56 78", None, "+33612345678"),
        ("01.42.68.53.00", "FR", "+33142685300"),
        ("+33 6 12 34 56 78", "BE", "+33612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_phone_is_read_in_the_contacts_country_and_stored_e164(
    typed: str, country: str | None, stored: str
) -> None:
    assert v.clean_phone(typed, country) == stored


def test_phone_shown_nationally_in_its_region_and_internationally_elsewhere() -> None:
    assert v.display_phone("+33612345678") == "06 12 34 56 78"
    assert v.display_phone("+32470123456", "BE") == "0470 12 34 56"
    assert v.display_phone("+32470123456") == "+32 470 12 34 56"


@pytest.mark.parametrize("typed", ["12", "06 12 34", "bonjour", "+33 6 12 34 56 78 90 12"])
def test_invalid_phone_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_phone(typed, field="phones")
    assert refusal(error, "phones").startswith("Numéro de téléphone invalide")


def test_empty_phone_refused() -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_phone("  ")
    assert refusal(error, "number") == "Saisissez un numéro de téléphone."


# --- France --------------------------------------------------------------------------------


def test_french_numbers_accepted_with_spaces_and_stored_compact() -> None:
    assert v.clean_company_number("732 829 320") == "732829320"
    assert v.clean_siret("732 829 320 00074") == "73282932000074"
    assert v.clean_vat_number("FR 40 303 265 045") == "FR40303265045"
    assert v.clean_vat_number("40303265045", "FR") == "FR40303265045"
    assert v.clean_tax_number("30 23 217 600 053") == "3023217600053"


def test_siret_with_wrong_checksum_says_siret_and_why() -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_siret("73282932000075")
    assert refusal(error, "siret") == (
        "Numéro SIRET invalide : la clé de contrôle ne correspond pas."
    )


def test_siret_with_missing_digits_says_length() -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_siret("7328293200007")
    assert refusal(error, "siret") == (
        "Numéro SIRET invalide : le nombre de chiffres est incorrect."
    )


def test_siren_with_letters_refused() -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_company_number("73282932A", "FR")
    assert refusal(error, "company_number").startswith("Numéro SIREN invalide")


def test_french_vat_with_wrong_key_refused_on_the_vat_field() -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_vat_number("FR41303265045")
    assert refusal(error, "vat_number") == (
        "Numéro de TVA invalide : la clé de contrôle ne correspond pas."
    )


def test_french_tax_number_checked() -> None:
    with pytest.raises(ValidationError) as error:
        v.clean_tax_number("3023217600054", "FR")
    assert refusal(error, "tax_number").startswith("Numéro fiscal invalide")


def test_siret_must_start_with_the_siren() -> None:
    v.check_siret_matches_siren("73282932000074", "732829320")
    with pytest.raises(ValidationError) as error:
        v.check_siret_matches_siren("73282932000074", "552100554")
    assert "552100554" in refusal(error, "siret")


# --- Belgium and the United Kingdom ------------------------------------------------------


def test_belgian_enterprise_and_vat_numbers() -> None:
    assert v.clean_company_number("0403.019.261", "BE") == "0403.019.261"
    assert v.clean_company_number("403019261", "BE") == "0403.019.261"
    assert v.clean_vat_number("BE 0403.019.261", "FR") == "BE0403019261"
    assert v.clean_vat_number("0403019261", "BE") == "BE0403019261"
    with pytest.raises(ValidationError) as error:
        v.clean_company_number("0403.019.262", "BE")
    assert refusal(error, "company_number").startswith("Numéro d'entreprise (BCE) invalide")
    with pytest.raises(ValidationError):
        v.clean_vat_number("BE0403019262")


def test_uk_company_number_utr_and_vat() -> None:
    assert v.clean_company_number("SC123456", "GB") == "SC123456"
    assert v.clean_company_number("1234567", "GB") == "01234567"
    assert v.clean_tax_number("1955839661", "GB") == "1955839661"
    assert v.clean_vat_number("GB 980 7806 84") == "GB980780684"
    with pytest.raises(ValidationError) as error:
        v.clean_company_number("ABC12", "GB")
    assert refusal(error, "company_number").startswith("Company number invalide")
    with pytest.raises(ValidationError) as error:
        v.clean_tax_number("1955839662", "GB")
    assert refusal(error, "tax_number").startswith("Numéro UTR invalide")
    with pytest.raises(ValidationError):
        v.clean_vat_number("GB980780685")


def test_other_eu_vat_numbers_are_checked_by_their_prefix() -> None:
    assert v.clean_vat_number("DE 136 695 976") == "DE136695976"
    with pytest.raises(ValidationError):
        v.clean_vat_number("DE136695977")


def test_other_countries_are_stored_as_typed() -> None:
    assert v.clean_company_number("CHE-123.456.789", "CH") == "CHE-123.456.789"
    assert v.clean_tax_number("  756.1234 ", "CH") == "756.1234"


def test_empty_numbers_are_allowed() -> None:
    assert v.clean_company_number("") == ""
    assert v.clean_siret(" ") == ""
    assert v.clean_vat_number("") == ""
    assert v.clean_tax_number("") == ""


# --- fiscal year end -----------------------------------------------------------------------


def test_fiscal_year_end_needs_both_parts_and_a_real_day() -> None:
    v.check_fiscal_year_end(None, None)
    v.check_fiscal_year_end(12, 31)
    v.check_fiscal_year_end(2, 29)
    with pytest.raises(ValidationError) as error:
        v.check_fiscal_year_end(12, None)
    assert "fiscal_year_end_day" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        v.check_fiscal_year_end(4, 31)
    assert refusal(error, "fiscal_year_end_day").startswith("Ce mois compte 30 jours")
    with pytest.raises(ValidationError) as error:
        v.check_fiscal_year_end(13, 1)
    assert "fiscal_year_end_month" in error.value.message_dict
