"""What each column of an imported file means: the targets a column may fill, and a first
guess from the file's headers.

A pure module: no database. `targets` lists what a column may be imported as, in the order
the mapping page offers them; `guess_mapping` reads the headers (accents, case and
punctuation ignored) and recognises the exports of Google Contacts (old and new formats),
Outlook (in English and in French), Portefeuille's own client monitor (in French and in
English), the vCard table of `readers.py`, and the common French and English words. A
column it does not recognise is ignored (""): the user chooses on the mapping page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from portefeuille.exchange.readers import vcard_columns


@dataclass(frozen=True)
class Target:
    """What a column may be imported as: its key (stored in the import's mapping), its
    label (translated lazily; a role slot's title as it is), and whether several columns
    may fill it (e-mails, phones)."""

    key: str
    label: str | Promise
    multi: bool = False


_BEFORE_ROLES = (
    Target("kind", _("Genre (personne ou organisation)")),
    Target("name", _("Nom complet ou raison sociale")),
    Target("first_name", _("Prénom")),
    Target("middle_name", _("Deuxième prénom")),
    Target("last_name", _("Nom de famille")),
    Target("preferred_name", _("Nom d'usage / surnom")),
    Target("organization", _("Organisation (d'une personne)")),
    Target("job_title", _("Fonction dans l'organisation")),
    Target("email", _("E-mail"), multi=True),
    Target("phone", _("Téléphone"), multi=True),
    Target("birth_date", _("Date de naissance")),
    Target("website", _("Site web")),
    Target("description", _("Description / notes")),
    Target("client_code", _("Identifiant client")),
    Target("contact_type", _("Type de contact")),
    Target("privacy", _("Confidentialité")),
    Target("owner", _("Responsable client")),
    Target("manager", _("Gestionnaire")),
    Target("members", _("Membres de l'équipe client")),
    Target("portfolio", _("Portefeuille")),
)
_AFTER_ROLES = (
    Target("street", _("Adresse")),
    Target("street2", _("Complément d'adresse")),
    Target("postal_code", _("Code postal")),
    Target("city", _("Ville")),
    Target("region", _("Région")),
    Target("country", _("Pays")),
)
_ADDRESS = frozenset(target.key for target in _AFTER_ROLES)
_MULTI = frozenset(target.key for target in _BEFORE_ROLES if target.multi)


def targets(role_slots: Sequence[tuple[int, str]] = ()) -> list[Target]:
    """Every target, in the mapping page's order: the contact's own fields, one `role_<n>`
    per (number, title) of `role_slots` (the firm's titled role slots), then the address."""
    roles = [Target(f"role_{number}", title) for number, title in role_slots if title.strip()]
    return [*_BEFORE_ROLES, *roles, *_AFTER_ROLES]


# --- Normalised headers ----------------------------------------------------------------


def normalise(text: str) -> str:
    """A header as compared: lowercase, without accents, every run of punctuation and
    spaces one space; "e-mail" and "e mail" read "email"."""
    text = unicodedata.normalize("NFKD", str(text).casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    text = " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())
    return re.sub(r"\be mail\b", "email", text)


# "nom" / "name": the full name, or the family name when the file has a first-name column
# and no family-name column (Outlook in French: « Prénom », « Nom »).
_NAME_OR_LAST = "?name"
# Outlook's « Titre » / "Title" is a courtesy title (M., Dr) and « Responsable » the contact's
# own manager; elsewhere they mean the job title and the client owner.
_TITLE = "?title"
_RESPONSIBLE = "?responsible"

_EXACT_SOURCE: dict[str, tuple[str, ...]] = {
    _NAME_OR_LAST: ("nom", "name"),
    _TITLE: ("titre", "title"),
    _RESPONSIBLE: ("responsable",),
    "name": (
        "nom complet",
        "full name",
        "raison sociale",
        "denomination",
        "denomination sociale",
        "nom ou raison sociale",
        "nom complet ou raison sociale",
        "display name",
        "nom du client",
        "client name",
        "client",
    ),
    "first_name": ("prenom", "first name", "given name", "firstname", "prenoms"),
    "middle_name": (
        "deuxieme prenom",
        "second prenom",
        "autre prenom",
        "autres prenoms",
        "middle name",
        "additional name",
    ),
    "last_name": (
        "nom de famille",
        "nom de naissance",
        "last name",
        "family name",
        "surname",
        "lastname",
    ),
    "preferred_name": ("surnom", "nickname", "nom d usage", "pseudo", "preferred name"),
    "organization": (
        "societe",
        "entreprise",
        "organisation",
        "organization",
        "organization name",
        "company",
        "employeur",
        "employer",
    ),
    "job_title": (
        "fonction",
        "poste",
        "job title",
        "organization title",
        "intitule de poste",
        "profession",
    ),
    "email": (
        "email",
        "email address",
        "adresse email",
        "adresse de messagerie",
        "adresse de courrier",
        "adresse electronique",
        "courriel",
        "mail",
    ),
    "phone": (
        "telephone",
        "tel",
        "phone",
        "mobile",
        "portable",
        "primary phone",
        "home phone",
        "home phone 2",
        "mobile phone",
        "business phone",
        "business phone 2",
        "other phone",
        "telephone principal",
        "telephone mobile",
        "telephone portable",
        "tel mobile",
        "telephone bureau",
        "telephone 2 bureau",
        "telephone domicile",
        "telephone 2 domicile",
        "telephone autre",
        "telephone professionnel",
        "telephone personnel",
    ),
    "birth_date": (
        "date de naissance",
        "naissance",
        "ne le",
        "nee le",
        "birthday",
        "birth date",
        "date of birth",
        "birthdate",
        "anniversaire",
    ),
    "website": ("site", "site web", "site internet", "website", "web page", "page web", "url"),
    "description": ("notes", "note", "description", "commentaire", "commentaires", "remarques"),
    "client_code": (
        "identifiant client",
        "client code",
        "code client",
        "numero client",
        "reference client",
        "client id",
        "customer id",
        "customer code",
    ),
    "kind": ("genre", "kind", "genre de contact", "contact kind"),
    "contact_type": ("type de contact", "contact type", "type de client", "client type"),
    "privacy": ("confidentialite", "privacy"),
    "owner": ("responsable client", "client owner", "owner"),
    "manager": ("gestionnaire", "manager", "client manager", "gestionnaire du client"),
    "members": (
        "membres",
        "membres de l equipe client",
        "equipe client",
        "members",
        "client team",
        "client team members",
        "team members",
    ),
    "portfolio": ("portefeuille", "portfolio"),
    "street": ("adresse", "address", "rue", "street", "adresse postale", "postal address"),
    "street2": (
        "complement d adresse",
        "complement",
        "adresse 2",
        "address 2",
        "address line 2",
        "street 2",
    ),
    "postal_code": ("code postal", "cp", "zip", "zip code", "postcode", "postal code", "npa"),
    "city": ("ville", "city", "commune", "localite", "town"),
    "region": ("region", "state", "departement", "province"),
    "country": ("pays", "country", "pays region", "country region"),
    # Known columns that are no target (an export's own columns, or fields we do not keep).
    "": (
        "adresse de communication",
        "communication address",
        "travail en cours",
        "open work",
        "derniere activite",
        "last activity",
        "cree le",
        "created",
        "siren",
        "siret",
        "tva",
        "tva intracommunautaire",
        "numero de tva",
        "vat",
        "vat number",
        "naf",
        "code naf",
        "ape",
        "code ape",
        "rcs",
        "civilite",
        "sexe",
        "gender",
        "anniversary",
        "anniversaire de mariage ou fete",
        "company main phone",
        "telephone societe",
        "categories",
        "labels",
        "group membership",
        "file as",
        "enregistrer sous",
        "department",
        "service",
        "organization department",
        "office location",
        "bureau",
        "account",
        "compte",
        "manager s name",
        "disponibilite internet",
        "internet free busy",
        "numero d identification de l organisation",
        "organizational id number",
        "occupation",
        "location",
        "emplacement",
        "short name",
        "maiden name",
        "initials",
        "initiales",
        "home street 3",
        "business street 3",
        "other street 3",
        "rue bureau 3",
        "rue domicile 3",
        "rue autre 3",
        "recepteur de radiomessagerie",
        "radiotelephone",
    ),
}

# Headers carrying one of these words or phrases are never guessed by the word rules below
# (a phone's label, a fax, an assistant's phone...).
_IGNORED_WORDS = (
    "type",
    "label",
    "yomi",
    "phonetic",
    "prefix",
    "suffix",
    "suffixe",
    "formatted",
    "fax",
    "telecopie",
    "assistant",
    "pager",
    "display",
    "nom complet de l adresse",
    "po box",
    "boite postale",
    "b p",
    "bp",
    "car",
    "voiture",
    "radio",
    "isdn",
    "rnis",
    "tty",
    "tdd",
    "telex",
    "callback",
    "rappel",
    "siren",
    "siret",
    "identification",
    "iban",
    "bic",
    "spouse",
    "conjoint",
    "conjoint e",
    "children",
    "enfants",
)

# The word rules, in order: the first whose word or phrase the header contains wins.
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email", "courriel", "mail", "messagerie", "adresse electronique")),
    (
        "phone",
        ("telephone", "tel", "phone", "mobile", "portable", "gsm", "cellulaire", "fixe"),
    ),
    ("website", ("site", "website", "web", "url", "homepage", "home page")),
    ("description", ("note", "notes", "description", "commentaire", "commentaires")),
    ("description", ("remarque", "remarques", "comment", "comments", "observations")),
    ("client_code", ("code client", "client code", "identifiant", "numero client")),
    ("client_code", ("reference client", "ref client", "client id", "customer id")),
    ("postal_code", ("code postal", "cp", "zip", "postcode", "postal code", "zipcode")),
    ("birth_date", ("naissance", "birthday", "birth", "birthdate", "dob")),
    ("city", ("ville", "city", "commune", "localite", "town")),
    ("country", ("pays", "country")),
    ("region", ("region", "state", "departement", "province")),
    ("street2", ("complement", "street 2", "address 2", "adresse 2", "ligne 2", "line 2")),
    ("street", ("adresse", "address", "rue", "street", "voie")),
    ("organization", ("societe", "entreprise", "company", "organisation", "organization")),
    ("organization", ("employeur", "employer")),
    ("job_title", ("fonction", "poste", "job", "profession", "metier")),
    ("middle_name", ("deuxieme prenom", "second prenom", "middle name")),
    ("first_name", ("prenom", "first name", "given name", "firstname")),
    ("last_name", ("nom de famille", "last name", "family name", "surname", "lastname")),
    ("preferred_name", ("surnom", "nickname", "nom d usage", "pseudo")),
    ("owner", ("responsable client", "client owner", "owner")),
    ("manager", ("gestionnaire", "manager")),
    ("portfolio", ("portefeuille", "portfolio")),
    ("privacy", ("confidentialite", "privacy")),
    ("members", ("membres", "equipe client", "members", "client team")),
    ("contact_type", ("type de contact", "contact type")),
    ("name", ("raison sociale", "denomination", "nom complet", "full name")),
    ("name", ("nom", "name")),
)

_EXACT: dict[str, str] = {
    normalise(header): key for key, headers in _EXACT_SOURCE.items() for header in headers
}

# Numbered and qualified columns: Google's "E-mail 1 - Value", "Address 2 - City";
# Outlook's "E-mail 2 Address", "Business City", « Ville (bureau) ».
_GOOGLE_VALUE = re.compile(r"^(email|phone|website|im|relation|event|custom field) \d+ value$")
_GOOGLE_ADDRESS = re.compile(r"^address (\d+) (.+)$")
_GOOGLE_ORGANIZATION = re.compile(r"^organization \d+ (.+)$")
_NUMBERED_EMAIL = re.compile(r"^(?:email|adresse email|courriel) ?\d+(?: address)?$")
_OUTLOOK_EMAIL = re.compile(r"^(?:email \d address|adresse de (?:messagerie|courrier) \d)$")
_OUTLOOK_ADDRESS = re.compile(r"^(business|home|other) (.+)$")
_FRENCH_OUTLOOK_ADDRESS = re.compile(r"^(.+) (bureau|domicile|autre)( \d)?$")
_ADDRESS_PARTS: dict[str, str] = {
    "street": "street",
    "street 2": "street2",
    "extended address": "street2",
    "city": "city",
    "region": "region",
    "state": "region",
    "postal code": "postal_code",
    "country": "country",
    "country region": "country",
    "rue": "street",
    "rue 2": "street2",
    "ville": "city",
    "dep region": "region",
    "departement": "region",
    "departement ou region": "region",
    "code postal": "postal_code",
    "pays": "country",
    "pays region": "country",
    # A whole address in one cell: used only when the file has no street column.
    "address": "street",
    "adresse": "street",
}
_GROUP_RANKS = {"business": 0, "bureau": 0, "home": 1, "domicile": 1, "other": 2, "autre": 2}
_FORMATTED_RANK = 1_000

# Headers only Outlook's exports have: with one of them, « Titre » is a courtesy title.
_OUTLOOK_MARKERS = frozenset(
    normalise(header)
    for header in (
        "E-mail Address",
        "E-mail Display Name",
        "Business Street",
        "Home Street",
        "Mobile Phone",
        "Assistant's Name",
        "Manager's Name",
        "Adresse de messagerie",
        "Nom complet de l'adresse de messagerie",
        "Adresse de courrier",
        "Rue (bureau)",
        "Rue (domicile)",
        "Tél. mobile",
        "Nom de l'assistant(e)",
        "Anniversaire de mariage ou fête",
    )
)


@dataclass(frozen=True)
class _Claim:
    """What a header was recognised as; an address part may belong to a group (Outlook's
    business/home/other address, Google's address 1, 2...), of which only the best-ranked
    present is kept."""

    key: str
    group: str = ""
    rank: int = 0


def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _address_claim(part: str, group: str, rank: int) -> _Claim | None:
    key = _ADDRESS_PARTS.get(part)
    if key is None:
        return None
    if part in ("address", "adresse"):
        return _Claim(key, "formatted", _FORMATTED_RANK)
    return _Claim(key, group, rank)


def _pattern_claim(text: str) -> _Claim | None:
    """A numbered or qualified column of a known export, or None."""
    if match := _GOOGLE_VALUE.match(text):
        kind = match.group(1)
        key = {"email": "email", "phone": "phone", "website": "website"}.get(kind, "")
        return _Claim(key)
    if match := _GOOGLE_ADDRESS.match(text):
        number, part = int(match.group(1)), match.group(2)
        if part == "formatted":
            return _Claim("street", "formatted", _FORMATTED_RANK)
        return _address_claim(part, f"google {number}", 10 + number) or _Claim("")
    if match := _GOOGLE_ORGANIZATION.match(text):
        return _Claim({"name": "organization", "title": "job_title"}.get(match.group(1), ""))
    if _NUMBERED_EMAIL.match(text) or _OUTLOOK_EMAIL.match(text):
        return _Claim("email")
    for pattern in (_OUTLOOK_ADDRESS, _FRENCH_OUTLOOK_ADDRESS):
        if match := pattern.match(text):
            group, part = (
                (match.group(1), match.group(2))
                if pattern is _OUTLOOK_ADDRESS
                else (match.group(2), match.group(1) + (match.group(3) or ""))
            )
            claim = _address_claim(part, group, _GROUP_RANKS[group])
            if claim is not None:
                return claim
    if text in ("adresse professionnelle", "adresse de bureau", "autre adresse"):
        return _Claim("street", "formatted", _FORMATTED_RANK)
    return None


def _word_claim(text: str) -> _Claim:
    """The word rules, for a header no known export uses."""
    if any(_has(text, word) for word in _IGNORED_WORDS):
        return _Claim("")
    for key, words in _WORDS:
        if any(_has(text, word) for word in words):
            return _Claim(key)
    return _Claim("")


def _known_labels() -> dict[str, str]:
    """The targets' labels and the vCard table's headers, normalised, in French (the
    source language) and in the current language."""
    known: dict[str, str] = {}
    for language in ("fr", get_language()):
        with override(language):
            pairs = [(target.key, str(target.label)) for target in targets()]
            pairs += vcard_columns()
        for key, label in pairs:
            known.setdefault(normalise(label), key)
    return known


def _claim(header: str, labels: dict[str, str], roles: dict[str, str]) -> _Claim:
    text = normalise(header)
    if not text:
        return _Claim("")
    if text in roles:
        return _Claim(roles[text])
    if text in _EXACT:
        return _Claim(_EXACT[text])
    pattern = _pattern_claim(text)
    if pattern is not None:
        return pattern
    if text in labels:
        return _Claim(labels[text])
    return _word_claim(text)


def guess_mapping(headers: Sequence[str], role_slots: Sequence[tuple[int, str]] = ()) -> list[str]:
    """One target key per header ("" = ignored), guessed from the headers alone. A target
    that only one column may fill goes to the first header that claims it; an address is
    read from one group of columns (Outlook's business address, else its home address...).
    """
    roles = {normalise(title): f"role_{number}" for number, title in role_slots if title.strip()}
    labels = _known_labels()
    claims = [_claim(header, labels, roles) for header in headers]
    norms = {normalise(header) for header in headers}
    keys = {claim.key for claim in claims}
    outlook = bool(norms & _OUTLOOK_MARKERS)

    # Context: what "nom", "title" and "responsable" mean in this file.
    resolved: list[_Claim] = []
    for claim in claims:
        key = claim.key
        if key == _NAME_OR_LAST:
            key = "last_name" if "first_name" in keys and "last_name" not in keys else "name"
        elif key == _TITLE:
            key = "" if outlook else "job_title"
        elif key == _RESPONSIBLE:
            key = "" if outlook else "owner"
        resolved.append(_Claim(key, claim.group, claim.rank))

    # The address: the best-ranked group present, its columns only.
    grouped = [claim for claim in resolved if claim.group and claim.key in _ADDRESS]
    best = min(grouped, key=lambda claim: claim.rank).group if grouped else ""

    mapping: list[str] = []
    taken: set[str] = set()
    for claim in resolved:
        key = claim.key
        if claim.group and key in _ADDRESS and claim.group != best:
            key = ""
        if key and key not in _MULTI:
            if key in taken:
                key = ""
            else:
                taken.add(key)
        mapping.append(key)
    return mapping
