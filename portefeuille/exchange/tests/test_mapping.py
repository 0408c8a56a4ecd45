"""What each column of an imported file means (exchange/mapping.py): no database."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation

from portefeuille.exchange.mapping import guess_mapping, normalise, targets
from portefeuille.exchange.readers import vcard_columns

ROLE_SLOTS = [(1, "Expert-comptable"), (2, "Responsable paie")]


def recognised(
    headers: Sequence[str], role_slots: Sequence[tuple[int, str]] = ()
) -> dict[str, str]:
    """{header: target} for the headers given a target (the others are ignored)."""
    mapping = guess_mapping(headers, role_slots)
    assert len(mapping) == len(headers)
    return {header: key for header, key in zip(headers, mapping, strict=True) if key}


def split(line: str) -> list[str]:
    return line.split(",")


# Google Contacts, "Google CSV" before 2022.
GOOGLE_OLD = split(
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,"
    "Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,"
    "Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,"
    "Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Type,"
    "Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Address 2 - Type,Address 2 - Formatted,"
    "Address 2 - Street,Address 2 - City,Address 2 - Postal Code,Organization 1 - Type,"
    "Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,"
    "Organization 1 - Department,Organization 1 - Symbol,Organization 1 - Location,"
    "Organization 1 - Job Description,Website 1 - Type,Website 1 - Value"
)

# Google Contacts since 2022.
GOOGLE_NEW = split(
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,"
    "Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Website 1 - Label,Website 1 - Value,Event 1 - Label,Event 1 - Value"
)

OUTLOOK_EN = split(
    "First Name,Middle Name,Last Name,Title,Suffix,Initials,Web Page,Gender,Birthday,"
    "Anniversary,Location,Language,Internet Free Busy,Notes,E-mail Address,E-mail Type,"
    "E-mail Display Name,E-mail 2 Address,E-mail 3 Address,Primary Phone,Home Phone,"
    "Home Phone 2,Mobile Phone,Pager,Home Fax,Home Address,Home Street,Home Street 2,"
    "Home Street 3,Home Address PO Box,Home City,Home State,Home Postal Code,Home Country,"
    "Spouse,Children,Manager's Name,Assistant's Name,Referred By,Company Main Phone,"
    "Business Phone,Business Phone 2,Business Fax,Assistant's Phone,Company,Job Title,"
    "Department,Office Location,Organizational ID Number,Profession,Account,"
    "Business Address,Business Street,Business Street 2,Business Street 3,"
    "Business Address PO Box,Business City,Business State,Business Postal Code,"
    "Business Country/Region,Other Phone,Other Fax,Other Address,Other Street,Other City,"
    "Other State,Other Postal Code,Other Country,Callback,Car Phone,ISDN,Radio Phone,"
    "TTY/TDD Phone,Telex,User 1,User 2,Keywords,Mileage,Hobby,Billing Information,"
    "Directory Server,Sensitivity,Priority,Private,Categories"
)

OUTLOOK_FR = split(
    "Titre,Prénom,Deuxième prénom,Nom,Suffixe,Société,Service,Fonction,Rue (bureau),"
    "Rue (bureau) 2,Rue (bureau) 3,Ville (bureau),Dép/Région (bureau),Code postal (bureau),"
    "Pays/Région (bureau),Rue (domicile),Rue (domicile) 2,Rue (domicile) 3,Ville (domicile),"
    "Dép/Région (domicile),Code postal (domicile),Pays/Région (domicile),Rue (autre),"
    "Ville (autre),Code postal (autre),Pays/Région (autre),Téléphone de l'assistant(e),"
    "Télécopie (bureau),Téléphone (bureau),Téléphone 2 (bureau),Rappel,Téléphone (voiture),"
    "Téléphone société,Télécopie (domicile),Téléphone (domicile),Téléphone 2 (domicile),RNIS,"
    "Tél. mobile,Télécopie (autre),Téléphone (autre),Récepteur de radiomessagerie,"
    "Téléphone principal,Radiotéléphone,Téléphone TDD/TTY,Télex,Adresse de messagerie,"
    "Type de messagerie,Nom complet de l'adresse de messagerie,Adresse de messagerie 2,"
    "Type de messagerie 2,Nom complet de l'adresse de messagerie 2,Adresse de messagerie 3,"
    "Anniversaire,Anniversaire de mariage ou fête,Autre boîte postale,B.P. professionnelle,"
    "Boîte postale du domicile,Bureau,Catégories,Compte,Conjoint(e),Critère de diffusion,"
    "Disponibilité Internet,Emplacement,Enfants,Informations facturation,Initiales,"
    "Kilométrage,Langue,Mots clés,Nom de l'assistant(e),Notes,"
    "Numéro d'identification de l'organisation,Page Web,Passe-temps,Priorité,Privé,"
    "Profession,Recommandé par,Responsable,Serveur d'annuaire,Sexe,Utilisateur 1"
)


def test_targets_come_in_the_mapping_pages_order_with_the_roles_before_the_address() -> None:
    keys = [target.key for target in targets(ROLE_SLOTS)]
    assert keys == [
        "kind",
        "name",
        "first_name",
        "middle_name",
        "last_name",
        "preferred_name",
        "organization",
        "job_title",
        "email",
        "phone",
        "birth_date",
        "website",
        "description",
        "client_code",
        "contact_type",
        "privacy",
        "owner",
        "manager",
        "members",
        "portfolio",
        "role_1",
        "role_2",
        "street",
        "street2",
        "postal_code",
        "city",
        "region",
        "country",
    ]
    by_key = {target.key: target for target in targets(ROLE_SLOTS)}
    assert {key for key, target in by_key.items() if target.multi} == {"email", "phone"}
    assert by_key["role_2"].label == "Responsable paie"
    assert str(by_key["name"].label) == "Nom complet ou raison sociale"


def test_target_labels_follow_the_language_in_use() -> None:
    with translation.override("fr"):
        assert str(targets()[2].label) == "Prénom"


def test_headers_are_compared_without_accents_case_or_punctuation() -> None:
    assert normalise("  PRÉNOM ") == "prenom"
    assert normalise("E-mail 1 - Value") == "email 1 value"
    assert normalise("Pays/Région (bureau)") == "pays region bureau"
    assert recognised(["PRÉNOM", "e-mail", "Code Postal"]) == {
        "PRÉNOM": "first_name",
        "e-mail": "email",
        "Code Postal": "postal_code",
    }


def test_a_google_contacts_export_of_the_old_format_is_recognised() -> None:
    assert recognised(GOOGLE_OLD) == {
        "Name": "name",
        "Given Name": "first_name",
        "Additional Name": "middle_name",
        "Family Name": "last_name",
        "Nickname": "preferred_name",
        "Birthday": "birth_date",
        "Notes": "description",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "email",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "phone",
        # The first address only: the second one is another place.
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - Region": "region",
        "Address 1 - Postal Code": "postal_code",
        "Address 1 - Country": "country",
        "Address 1 - Extended Address": "street2",
        "Organization 1 - Name": "organization",
        "Organization 1 - Title": "job_title",
        "Website 1 - Value": "website",
    }


def test_a_google_contacts_export_of_the_new_format_is_recognised() -> None:
    assert recognised(GOOGLE_NEW) == {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "Nickname": "preferred_name",
        "Organization Name": "organization",
        "Organization Title": "job_title",
        "Birthday": "birth_date",
        "Notes": "description",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "email",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "phone",
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - Region": "region",
        "Address 1 - Postal Code": "postal_code",
        "Address 1 - Country": "country",
        "Address 1 - Extended Address": "street2",
        "Website 1 - Value": "website",
    }


def test_an_outlook_export_in_english_is_recognised_with_the_business_address() -> None:
    assert recognised(OUTLOOK_EN) == {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        # "Title" is a courtesy title (Mr., Dr.) in Outlook: not the job title.
        "Web Page": "website",
        "Birthday": "birth_date",
        "Notes": "description",
        "E-mail Address": "email",
        "E-mail 2 Address": "email",
        "E-mail 3 Address": "email",
        "Primary Phone": "phone",
        "Home Phone": "phone",
        "Home Phone 2": "phone",
        "Mobile Phone": "phone",
        "Business Phone": "phone",
        "Business Phone 2": "phone",
        "Other Phone": "phone",
        "Company": "organization",
        "Job Title": "job_title",
        "Business Street": "street",
        "Business Street 2": "street2",
        "Business City": "city",
        "Business State": "region",
        "Business Postal Code": "postal_code",
        "Business Country/Region": "country",
    }


def test_an_outlook_export_without_business_address_uses_the_home_address() -> None:
    headers = [h for h in OUTLOOK_EN if not h.startswith("Business")]
    found = recognised(headers)
    assert {header for header, key in found.items() if key in ("street", "city")} == {
        "Home Street",
        "Home City",
    }
    assert found["Home Postal Code"] == "postal_code"
    assert "Other City" not in found


def test_an_outlook_export_in_french_is_recognised() -> None:
    assert recognised(OUTLOOK_FR) == {
        "Prénom": "first_name",
        "Deuxième prénom": "middle_name",
        # « Nom » next to « Prénom » is the family name.
        "Nom": "last_name",
        "Société": "organization",
        "Fonction": "job_title",
        "Rue (bureau)": "street",
        "Rue (bureau) 2": "street2",
        "Ville (bureau)": "city",
        "Dép/Région (bureau)": "region",
        "Code postal (bureau)": "postal_code",
        "Pays/Région (bureau)": "country",
        "Téléphone (bureau)": "phone",
        "Téléphone 2 (bureau)": "phone",
        "Téléphone (domicile)": "phone",
        "Téléphone 2 (domicile)": "phone",
        "Tél. mobile": "phone",
        "Téléphone (autre)": "phone",
        "Téléphone principal": "phone",
        "Adresse de messagerie": "email",
        "Adresse de messagerie 2": "email",
        "Adresse de messagerie 3": "email",
        "Anniversaire": "birth_date",
        "Notes": "description",
        "Page Web": "website",
    }


MONITOR_FR = [
    "Nom",
    "Identifiant client",
    "Genre",
    "Type de contact",
    "Confidentialité",
    "Responsable client",
    "Gestionnaire",
    "Expert-comptable",
    "Responsable paie",
    "Portefeuille",
    "Adresse de communication",
    "Travail en cours",
    "Dernière activité",
    "Créé le",
]
MONITOR_EN = [
    "Name",
    "Client code",
    "Kind",
    "Contact type",
    "Privacy",
    "Client owner",
    "Manager",
    "Expert-comptable",
    "Responsable paie",
    "Portfolio",
    "Communication address",
    "Open work",
    "Last activity",
    "Created",
]
MONITOR_KEYS = [
    "name",
    "client_code",
    "kind",
    "contact_type",
    "privacy",
    "owner",
    "manager",
    "role_1",
    "role_2",
    "portfolio",
    "",
    "",
    "",
    "",
]


def test_our_own_monitor_export_in_french_is_recognised() -> None:
    assert guess_mapping(MONITOR_FR, ROLE_SLOTS) == MONITOR_KEYS


def test_our_own_monitor_export_in_english_is_recognised() -> None:
    assert guess_mapping(MONITOR_EN, ROLE_SLOTS) == MONITOR_KEYS


def test_the_vcard_tables_own_headers_are_recognised() -> None:
    columns = vcard_columns()
    assert guess_mapping([header for _key, header in columns]) == [key for key, _h in columns]


def test_nom_alone_is_the_full_name() -> None:
    assert guess_mapping(["Nom", "E-mail"]) == ["name", "email"]
    assert guess_mapping(["Name", "Phone"]) == ["name", "phone"]


def test_nom_beside_prenom_is_the_family_name() -> None:
    assert guess_mapping(["Prénom", "Nom"]) == ["first_name", "last_name"]
    assert guess_mapping(["Name", "First name"]) == ["last_name", "first_name"]


def test_nom_beside_prenom_and_nom_de_famille_is_the_full_name() -> None:
    assert guess_mapping(["Nom", "Prénom", "Nom de famille"]) == [
        "name",
        "first_name",
        "last_name",
    ]


def test_a_header_named_as_a_role_slot_fills_that_role() -> None:
    assert guess_mapping(["Raison sociale", "EXPERT COMPTABLE"], ROLE_SLOTS) == [
        "name",
        "role_1",
    ]
    # Without that slot, the header means nothing.
    assert guess_mapping(["Raison sociale", "Expert-comptable"]) == ["name", ""]


def test_a_target_for_one_column_goes_to_the_first_header_claiming_it() -> None:
    assert guess_mapping(["Ville", "E-mail", "City", "Courriel", "Mobile", "Téléphone"]) == [
        "city",
        "email",
        "",
        "email",
        "phone",
        "phone",
    ]


def test_common_french_and_english_words_are_recognised() -> None:
    assert recognised(
        [
            "Raison sociale",
            "SIREN",
            "N° TVA intracommunautaire",
            "Adresse",
            "Complément d'adresse",
            "CP",
            "Ville",
            "Pays",
            "Tél. fixe",
            "Portable",
            "Adresse e-mail",
            "Site internet",
            "Commentaire",
            "Date de naissance",
            "Code client",
            "Entreprise",
            "Titre",
        ]
    ) == {
        "Raison sociale": "name",
        "Adresse": "street",
        "Complément d'adresse": "street2",
        "CP": "postal_code",
        "Ville": "city",
        "Pays": "country",
        "Tél. fixe": "phone",
        "Portable": "phone",
        "Adresse e-mail": "email",
        "Site internet": "website",
        "Commentaire": "description",
        "Date de naissance": "birth_date",
        "Code client": "client_code",
        "Entreprise": "organization",
        # Outside an Outlook export, « Titre » is the job title.
        "Titre": "job_title",
    }
    assert recognised(
        ["Company name", "Email address", "Phone number", "Zip code", "Country", "Comments"]
    ) == {
        "Company name": "organization",
        "Email address": "email",
        "Phone number": "phone",
        "Zip code": "postal_code",
        "Country": "country",
        "Comments": "description",
    }


def test_unknown_and_blank_headers_are_ignored() -> None:
    assert guess_mapping(["Colonne 1", "", "Divers", "Fax"]) == ["", "", "", ""]
