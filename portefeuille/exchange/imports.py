"""Importing contacts from a file (docs/imports.md): upload, mapping, analysis for the
preview (errors and likely duplicates, found only among the contacts the importer sees),
decisions, then the valid rows written in batches through the contacts and access services,
with a report of the rows rejected and why.

An entry point like a view: every write goes through the single-contact services (their
validation, permission checks and history events), each row in its own savepoint, each
batch in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from rapidfuzz import fuzz

from portefeuille.access import services as access
from portefeuille.access.models import OwnerEntry, Portfolio
from portefeuille.access.rules import Level, annotate_level, visible_clients
from portefeuille.audit.services import record_event
from portefeuille.contacts import validators
from portefeuille.contacts.models import Contact, EmailAddress, normalise_for_search
from portefeuille.contacts.services import clients as contact_services
from portefeuille.contacts.services import details as detail_services
from portefeuille.firms.guards import UNSET, Unset
from portefeuille.firms.models import Colleague, ContactType, Firm, Privacy, RoleSlot

from . import mapping as columns
from . import readers
from .models import Import, ImportRow
from .writers import neutralise

Status = Import.Status
Decision = ImportRow.Decision
Outcome = ImportRow.Outcome

# Rows written per transaction; a batch that fails as a whole is rolled back and reported.
BATCH = 200
# Up to this many rows, the analysis and the import run in the request; beyond, in the task
# worker with a progress bar.
INLINE_ROWS = 300
# Likely duplicates by name: the score (0-100, rapidfuzz token-sort ratio on the normalised
# names) from which a name is "the same person or organization", and the candidates scored
# per row at most.
NAME_SCORE = 90.0
NAME_CANDIDATES = 400
DEFAULT_COUNTRY = "FR"


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024))


class ImportRefused(Exception):
    """A file or a mapping refused as a whole; `message` is the user's sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------
# Upload and mapping.
# ---------------------------------------------------------------------------------------


def role_slots(firm_id: int) -> list[tuple[int, str]]:
    """The firm's titled role slots (an untitled one is shown nowhere, imported nowhere)."""
    return [
        (slot.number, slot.title)
        for slot in RoleSlot.objects.filter(firm_id=firm_id).exclude(title="").order_by("number")
    ]


def start(*, actor: Colleague, upload: File[Any]) -> Import:
    """Stores an uploaded file as a new import with its columns guessed; refuses a file over
    the size limit, of an unknown format or unreadable, with a sentence saying why."""
    if not actor.is_active:
        raise PermissionDenied
    limit = max_bytes()
    if upload.size is None or upload.size == 0:
        raise ImportRefused(_("Le fichier est vide."))
    if upload.size > limit:
        raise ImportRefused(
            _("Le fichier dépasse la taille permise (%(limit)s Mo) : découpez-le en plusieurs.")
            % {"limit": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    try:
        kind = readers.sniff_format(upload.name or "", head)
    except readers.UnreadableFile as error:
        raise ImportRefused(error.message) from None
    job = Import(
        firm_id=actor.firm_id,
        requester=actor,
        original_name=(upload.name or "contacts")[:255],
        format=kind,
    )
    job.file.save(upload.name or f"contacts.{kind}", upload, save=False)
    try:
        with local_file(job) as path:
            table = readers.read_table(path, kind)
    except readers.UnreadableFile as error:
        job.file.delete(save=False)
        raise ImportRefused(error.message) from None
    job.headers = table.headers
    job.notices = table.notices
    job.mapping = columns.guess_mapping(table.headers, role_slots(actor.firm_id))
    job.save()
    return job


@contextmanager
def local_file(job: Import) -> Iterator[Path]:
    """The import's file as a local path (a temporary copy when the media storage is not a
    local folder)."""
    try:
        yield Path(job.file.path)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=f".{job.format}") as copy:
        with job.file.open("rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def samples(job: Import, count: int = 3) -> list[list[str]]:
    """The first rows of the file, for the mapping page (none when the file is gone from
    the storage)."""
    found: list[list[str]] = []
    try:
        with local_file(job) as path:
            for _number, cells in readers.read_table(path, job.format).rows():
                found.append(cells)
                if len(found) == count:
                    break
    except (OSError, readers.UnreadableFile):
        return []
    return found


def set_mapping(*, actor: Colleague, job: Import, chosen: Sequence[str]) -> None:
    """Records what each column means; refuses an unknown target, a single-valued target
    chosen twice, or a mapping that names no contact."""
    if job.status not in (Status.MAPPING, Status.READY):
        raise ImportRefused(_("Cet import est déjà lancé : ses colonnes ne changent plus."))
    known = {target.key: target for target in columns.targets(role_slots(actor.firm_id))}
    chosen = list(chosen)[: len(job.headers)]
    chosen += [""] * (len(job.headers) - len(chosen))
    seen: set[str] = set()
    for key in chosen:
        if not key:
            continue
        target = known.get(key)
        if target is None:
            raise ImportRefused(_("Colonne inconnue : « %(key)s ».") % {"key": key})
        if key in seen and not target.multi:
            raise ImportRefused(
                _("« %(label)s » est choisi pour deux colonnes : gardez-en une.")
                % {"label": target.label}
            )
        seen.add(key)
    if not seen & {"name", "first_name", "last_name", "organization"}:
        raise ImportRefused(
            _(
                "Associez au moins une colonne au nom (nom complet, prénom, nom de famille ou "
                "organisation)."
            )
        )
    job.mapping = chosen
    job.status = Status.ANALYSING
    job.rows_done = 0
    job.save(update_fields=["mapping", "status", "rows_done"])


# ---------------------------------------------------------------------------------------
# Reading a row: the values its mapping gives, cleaned, with what is wrong.
# ---------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return normalise_for_search(text or "").strip()


KIND_WORDS = {
    Contact.Kind.PERSON: {"person", "personne", "individu", "particulier", "people"},
    Contact.Kind.ORGANIZATION: {
        "organization",
        "organisation",
        "company",
        "societe",
        "entreprise",
        "business",
    },
    Contact.Kind.CLIENT_GROUP: {"groupe de clients", "client group", "groupe", "group"},
}
PRIVACY_WORDS = {
    Privacy.PUBLIC: {"public", "publique"},
    Privacy.PRIVATE: {"private", "prive", "privee"},
    Privacy.HIDDEN: {"hidden", "masque", "masquee", "cache", "cachee"},
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y")


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _country(text: str) -> str:
    text = text.strip()
    if not text:
        return DEFAULT_COUNTRY
    if text.upper() in dict(countries):
        return text.upper()
    wanted = _norm(text)
    for code, name in countries:
        if _norm(str(name)) == wanted:
            return str(code)
    for alias, code in (("france", "FR"), ("belgium", "BE"), ("belgique", "BE"), ("usa", "US")):
        if wanted == alias:
            return code
    raise ValueError(text)


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]


@dataclass
class Lookups:
    """What a row may name in the firm, by its normalised name (or a colleague's e-mail)."""

    firm: Firm
    is_admin: bool
    types: dict[str, int] = field(default_factory=dict)
    colleagues: dict[str, int] = field(default_factory=dict)
    owners: dict[str, int] = field(default_factory=dict)
    owner_colleague: dict[int, int] = field(default_factory=dict)
    portfolios: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, actor: Colleague) -> Lookups:
        found = cls(firm=Firm.objects.get(pk=actor.firm_id), is_admin=actor.is_admin)
        for pk, name in ContactType.objects.filter(firm_id=actor.firm_id).values_list("pk", "name"):
            found.types.setdefault(_norm(name), pk)
        for colleague in Colleague.objects.filter(firm_id=actor.firm_id, is_active=True):
            found.colleagues.setdefault(colleague.email.lower(), colleague.pk)
            found.colleagues.setdefault(_norm(colleague.full_name), colleague.pk)
            found.colleagues.setdefault(
                _norm(f"{colleague.last_name} {colleague.first_name}"), colleague.pk
            )
        for entry in (
            OwnerEntry.objects.filter(firm_id=actor.firm_id)
            .exclude(colleague__is_active=False)
            .select_related("colleague")
        ):
            found.owners.setdefault(_norm(str(entry)), entry.pk)
            if entry.colleague is not None:
                found.owners.setdefault(entry.colleague.email.lower(), entry.pk)
                found.owner_colleague[entry.pk] = entry.colleague_id or 0
        for pk, name in Portfolio.objects.filter(firm_id=actor.firm_id).values_list("pk", "name"):
            found.portfolios.setdefault(_norm(name), pk)
        return found

    def colleague(self, text: str) -> int | None:
        text = text.strip()
        return self.colleagues.get(text.lower()) or self.colleagues.get(_norm(text))

    def owner(self, text: str) -> int | None:
        text = text.strip()
        return self.owners.get(text.lower()) or self.owners.get(_norm(text))


def mapped_values(job: Import, cells: Sequence[str]) -> dict[str, Any]:
    """The cells of one row under their targets: a list for the multi ones (e-mails,
    phones), else the first non-empty cell."""
    multi = {target.key for target in columns.targets() if target.multi}
    values: dict[str, Any] = {}
    for key, cell in zip(job.mapping, cells, strict=False):
        if not key or not cell:
            continue
        if key in multi:
            # Google Contacts puts several values of one kind in a cell, " ::: " apart.
            parts = [part.strip() for part in cell.split(":::") if part.strip()]
            if key == "email":
                parts = [address for part in parts for address in _split_list(part)]
            values.setdefault(key, []).extend(parts)
        else:
            values.setdefault(key, cell)
    return values


def _may_set_team(actor: Colleague, owner_id: int | None, privacy: str, lookups: Lookups) -> bool:
    """Whether the importer may change the team of the client the row creates: an admin; or
    its owner or manager once created (contacts/services/clients.py::create_client makes a
    non-admin creator its manager when they would not otherwise see it in full)."""
    if actor.is_admin:
        return True
    if owner_id is not None and lookups.owner_colleague.get(owner_id) == actor.pk:
        return True
    return actor.is_limited or privacy != Privacy.PUBLIC


def clean_row(
    actor: Colleague, values: Mapping[str, Any], lookups: Lookups
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The row's values ready for the services, and its errors and warnings (sentences)."""
    errors: list[str] = []
    warnings: list[str] = []
    clean: dict[str, Any] = {}

    def text(key: str) -> str:
        value = values.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    first, middle, last = text("first_name"), text("middle_name"), text("last_name")
    name, organization = text("name"), text("organization")
    kind_text = _norm(text("kind"))
    kind = ""
    if kind_text:
        kind = next((k for k, words in KIND_WORDS.items() if kind_text in words), "")
        if not kind:
            errors.append(
                _("Genre inconnu : « %(value)s » (personne ou organisation).")
                % {"value": text("kind")}
            )
        elif kind == Contact.Kind.CLIENT_GROUP:
            errors.append(_("Les groupes de clients ne s'importent pas : créez-les dans Contacts."))
    if not kind:
        # Without a kind column: a row with a first or last name is a person, any other an
        # organization (docs/imports.md).
        kind = Contact.Kind.PERSON if (first or last or middle) else Contact.Kind.ORGANIZATION
    clean["kind"] = kind
    if not (first or middle or last or name or organization):
        errors.append(
            _("Cette ligne ne nomme personne : un prénom, un nom ou une raison sociale est requis.")
        )
        clean["display_name"] = ""
    elif kind == Contact.Kind.PERSON:
        if not (first or last) and name:
            # A full name alone: its last word is the last name.
            *given, family = name.split()
            first, last = " ".join(given), family
        if not (first or last):
            errors.append(_("Saisissez le prénom ou le nom de la personne."))
        clean.update(first_name=first, middle_name=middle, last_name=last)
        clean["display_name"] = " ".join(part for part in (first, middle, last) if part)
        if organization:
            clean["organization"] = organization
            clean["job_title"] = text("job_title")
    else:
        display = name or organization
        if not display:
            errors.append(_("Saisissez le nom de l'organisation."))
        clean["display_name"] = display
    for key in ("preferred_name", "website", "description", "client_code"):
        if text(key):
            clean[key] = text(key)
    if kind != Contact.Kind.PERSON:
        clean.pop("preferred_name", None)
    elif "website" in clean:
        warnings.append(_("Le site web ne s'enregistre que pour une organisation : ignoré."))
        clean.pop("website")

    emails: list[str] = []
    for address in values.get("email", []):
        address = address.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("Adresse e-mail invalide : « %(value)s ».") % {"value": address})
            continue
        if address not in emails:
            emails.append(address)
    clean["emails"] = emails
    phones: list[str] = []
    for number in values.get("phone", []):
        try:
            phone = validators.clean_phone(number)
        except ValidationError as error:
            errors.extend(str(message) for message in error.messages)
            continue
        if phone not in phones:
            phones.append(phone)
    clean["phones"] = phones
    if text("birth_date"):
        try:
            born = _parse_date(text("birth_date"))
        except ValueError:
            errors.append(
                _("Date de naissance illisible : « %(value)s » (attendu JJ/MM/AAAA).")
                % {"value": text("birth_date")}
            )
        else:
            if kind == Contact.Kind.PERSON and born is not None:
                clean["birth_date"] = born.isoformat()

    if text("privacy"):
        wanted = _norm(text("privacy"))
        privacy = next((p for p, words in PRIVACY_WORDS.items() if wanted in words), "")
        if privacy:
            clean["privacy"] = privacy
        else:
            errors.append(
                _("Confidentialité inconnue : « %(value)s » (public, privé ou masqué).")
                % {"value": text("privacy")}
            )
    if text("contact_type"):
        type_id = lookups.types.get(_norm(text("contact_type")))
        if type_id is None:
            errors.append(
                _("Type de contact inconnu : « %(value)s ».") % {"value": text("contact_type")}
            )
        else:
            clean["contact_type"] = type_id
    if text("owner"):
        if not lookups.firm.ownership_enabled:
            warnings.append(_("Ce cabinet n'utilise pas de responsable client : colonne ignorée."))
        else:
            owner_id = lookups.owner(text("owner"))
            if owner_id is None:
                errors.append(
                    _("Responsable client inconnu du registre : « %(value)s ».")
                    % {"value": text("owner")}
                )
            else:
                clean["owner"] = owner_id

    team: dict[str, Any] = {}
    if text("manager"):
        manager = lookups.colleague(text("manager"))
        if manager is None:
            errors.append(
                _("Collaborateur inconnu ou désactivé : « %(value)s ».")
                % {"value": text("manager")}
            )
        else:
            team["manager"] = manager
    for key, value in values.items():
        if key.startswith("role_") and isinstance(value, str) and value.strip():
            holder = lookups.colleague(value)
            if holder is None:
                errors.append(
                    _("Collaborateur inconnu ou désactivé : « %(value)s ».") % {"value": value}
                )
            else:
                team.setdefault("roles", {})[key.removeprefix("role_")] = holder
    for member in _split_list(text("members")):
        colleague = lookups.colleague(member)
        if colleague is None:
            errors.append(
                _("Collaborateur inconnu ou désactivé : « %(value)s ».") % {"value": member}
            )
        else:
            team.setdefault("members", []).append(colleague)
    if team:
        privacy = clean.get("privacy", lookups.firm.default_privacy)
        if _may_set_team(actor, clean.get("owner"), privacy, lookups):
            clean["team"] = team
        else:
            warnings.append(
                _(
                    "Équipe client ignorée : seuls un administrateur, le responsable client ou "
                    "le gestionnaire la choisissent."
                )
            )
    if text("portfolio"):
        portfolio = lookups.portfolios.get(_norm(text("portfolio")))
        if not lookups.is_admin:
            warnings.append(
                _(
                    "Portefeuille ignoré : seuls les administrateurs placent un client dans un "
                    "portefeuille."
                )
            )
        elif portfolio is None:
            errors.append(_("Portefeuille inconnu : « %(value)s ».") % {"value": text("portfolio")})
        else:
            clean["portfolio"] = portfolio

    if text("street"):
        try:
            country = _country(text("country"))
        except ValueError:
            errors.append(_("Pays inconnu : « %(value)s ».") % {"value": text("country")})
            country = DEFAULT_COUNTRY
        clean["address"] = {
            "street": text("street"),
            "street2": text("street2"),
            "postal_code": text("postal_code"),
            "city": text("city"),
            "region": text("region"),
            "country": country,
        }
    elif any(text(key) for key in ("postal_code", "city")):
        warnings.append(_("Adresse sans rue : non enregistrée."))
    return clean, errors, warnings


# ---------------------------------------------------------------------------------------
# Analysis: every row read, cleaned, and compared with the contacts the importer sees.
# ---------------------------------------------------------------------------------------


class _NameIndex:
    """The contacts the importer sees, by the first letters of each word of their name, for
    likely duplicates by name. A contact seen by name only is compared whatever its kind
    (its kind is not the importer's to know)."""

    PREFIX = 3

    def __init__(self, actor: Colleague) -> None:
        self.names: dict[int, tuple[str, str, int]] = {}
        self.by_prefix: dict[str, list[int]] = {}
        rows = annotate_level(actor, visible_clients(actor, Level.NAME)).exclude(
            kind=Contact.Kind.CLIENT_GROUP
        )
        for pk, kind, search_name, level in rows.values_list(
            "pk", "kind", "search_name", "access_level"
        ).iterator(chunk_size=2000):
            self.names[pk] = (kind, search_name, level)
            for word in set(search_name.split()):
                self.by_prefix.setdefault(word[: self.PREFIX], []).append(pk)

    def best(self, kind: str, name: str) -> int | None:
        wanted = _norm(name)
        words = [word for word in set(wanted.split()) if len(word) >= 2]
        if not words:
            return None
        # The rarest prefix bounds the candidates.
        pools = sorted((self.by_prefix.get(word[: self.PREFIX], []) for word in words), key=len)
        best: tuple[float, int] | None = None
        for pk in pools[0][:NAME_CANDIDATES]:
            other_kind, other_name, level = self.names[pk]
            if level == Level.FULL and other_kind != kind:
                continue
            score = fuzz.token_sort_ratio(wanted, other_name)
            if score >= NAME_SCORE and (best is None or score > best[0]):
                best = (score, pk)
        return best[1] if best else None


def _levels(actor: Colleague, ids: Iterable[int]) -> dict[int, int]:
    """The importer's level on each id (absent: hidden)."""
    ids = list(set(ids))
    if not ids:
        return {}
    rows = annotate_level(actor, visible_clients(actor, Level.NAME).filter(pk__in=ids))
    return dict(rows.values_list("pk", "access_level"))


def analyse(job: Import, progress: Callable[[int], None] | None = None) -> None:
    """Reads every row of the file into ImportRow with its values, errors, warnings and
    likely duplicate (same e-mail, same client code, a close name), then marks the import
    ready for its preview. Run again, it starts over."""
    actor = job.requester
    lookups = Lookups.of(actor)
    names = _NameIndex(actor)
    with local_file(job) as path:
        _analyse_rows(job, actor, readers.read_table(path, job.format), lookups, names, progress)


def _analyse_rows(
    job: Import,
    actor: Colleague,
    table: readers.Table,
    lookups: Lookups,
    names: _NameIndex,
    progress: Callable[[int], None] | None,
) -> None:
    ImportRow.objects.filter(job=job).delete()
    in_file_email: dict[str, int] = {}
    in_file_code: dict[str, int] = {}
    done = 0
    chunk: list[ImportRow] = []

    def flush() -> None:
        _find_duplicates(actor, chunk, names)
        ImportRow.objects.bulk_create(chunk, batch_size=500)
        chunk.clear()
        if progress is not None:
            progress(done)

    for number, cells in table.rows():
        values, errors, warnings = clean_row(actor, mapped_values(job, cells), lookups)
        if number in table.row_errors:
            errors.insert(0, table.row_errors[number])
        for address in values["emails"]:
            earlier = in_file_email.setdefault(address, number)
            if earlier != number:
                errors.append(
                    _("L'adresse %(address)s est déjà sur la ligne %(line)s du fichier.")
                    % {"address": address, "line": earlier}
                )
        code = values.get("client_code", "")
        if code:
            earlier = in_file_code.setdefault(code.casefold(), number)
            if earlier != number:
                errors.append(
                    _("L'identifiant client %(code)s est déjà sur la ligne %(line)s du fichier.")
                    % {"code": code, "line": earlier}
                )
        chunk.append(
            ImportRow(
                job=job,
                number=number,
                cells=cells,
                values=values,
                errors=errors,
                warnings=warnings,
            )
        )
        done += 1
        if len(chunk) >= 500:
            flush()
    flush()
    Import.objects.filter(pk=job.pk).update(
        status=Status.READY, rows_total=done, rows_done=done, notices=table.notices
    )


def _find_duplicates(actor: Colleague, rows: list[ImportRow], names: _NameIndex) -> None:
    emails = {address for row in rows for address in row.values.get("emails", [])}
    codes = {row.values["client_code"] for row in rows if row.values.get("client_code")}
    by_email = dict(
        EmailAddress.objects.filter(firm_id=actor.firm_id, address__in=emails).values_list(
            "address", "contact_id"
        )
    )
    by_code = dict(
        Contact.objects.filter(firm_id=actor.firm_id, client_code__in=codes).values_list(
            "client_code", "pk"
        )
    )
    # SECURITY: a contact the importer does not see is never named, nor offered to merge.
    levels = _levels(actor, [*by_email.values(), *by_code.values()])
    for row in rows:
        if row.errors:
            continue
        found: tuple[int, str] | None = None
        for address in row.values.get("emails", []):
            other = by_email.get(address)
            if other is None:
                continue
            if other not in levels:
                row.errors.append(
                    _("L'adresse %(address)s est déjà utilisée par un autre contact du cabinet.")
                    % {"address": address}
                )
            elif found is None:
                found = (other, "email")
        code = row.values.get("client_code")
        if code and code in by_code:
            other = by_code[code]
            if other not in levels:
                row.errors.append(
                    _("L'identifiant client %(code)s est déjà utilisé dans le cabinet.")
                    % {"code": code}
                )
            elif found is None:
                found = (other, "code")
        if found is None and not row.errors:
            other = names.best(row.values["kind"], row.values["display_name"])
            if other is not None:
                found = (other, "name")
        if found is not None and not row.errors:
            row.duplicate_of_id, row.duplicate_reason = found
            row.decision = Decision.SKIP


# ---------------------------------------------------------------------------------------
# The preview's decisions.
# ---------------------------------------------------------------------------------------


def choices_for(row: ImportRow, level: int | None) -> list[str]:
    """What the importer may do with a duplicate row, at their current level on the contact
    it repeats: merge only into a contact seen in full and of the same kind; create only
    when the address or code is not the other contact's (a name alone)."""
    if not row.duplicate_of_id:
        return [Decision.CREATE, Decision.SKIP]
    allowed: list[str] = [Decision.SKIP]
    if level == Level.FULL:
        allowed.append(Decision.MERGE)
    if row.duplicate_reason == "name" or level is None:
        allowed.append(Decision.CREATE)
    return allowed


def decide(*, actor: Colleague, job: Import, decisions: Mapping[int, str]) -> int:
    """Records the importer's choice for some rows (by number); returns how many changed.
    A choice the row does not offer is refused."""
    if job.status != Status.READY:
        raise ImportRefused(_("Cet import est déjà lancé : ses choix ne changent plus."))
    rows = list(ImportRow.objects.filter(job=job, number__in=list(decisions)))
    levels = _levels(actor, [row.duplicate_of_id for row in rows if row.duplicate_of_id])
    changed: list[ImportRow] = []
    for row in rows:
        wanted = decisions[row.number]
        level = levels.get(row.duplicate_of_id) if row.duplicate_of_id else None
        if wanted not in choices_for(row, level):
            raise ImportRefused(
                _("Ligne %(line)s : ce choix n'est pas possible pour elle.") % {"line": row.number}
            )
        if row.decision != wanted:
            row.decision = wanted
            changed.append(row)
    ImportRow.objects.bulk_update(changed, ["decision"])
    return len(changed)


def decide_all(*, actor: Colleague, job: Import, decision: str) -> int:
    """One choice for every likely duplicate that offers it."""
    rows = (
        ImportRow.objects.filter(job=job)
        .exclude(duplicate_of=None)
        .only("pk", "number", "duplicate_of_id", "duplicate_reason", "decision")
    )
    levels = _levels(actor, rows.values_list("duplicate_of_id", flat=True))
    wanted = {
        row.number: decision
        for row in rows
        if decision in choices_for(row, levels.get(row.duplicate_of_id or 0))
    }
    return decide(actor=actor, job=job, decisions=wanted)


@dataclass
class Summary:
    valid: int
    duplicates: int
    invalid: int
    warned: int
    to_create: int
    to_merge: int
    to_skip: int


def summary(job: Import) -> Summary:
    rows = ImportRow.objects.filter(job=job)
    invalid = rows.exclude(errors=[]).count()
    ok = rows.filter(errors=[])
    return Summary(
        valid=ok.count(),
        duplicates=ok.exclude(duplicate_of=None).count(),
        invalid=invalid,
        warned=ok.exclude(warnings=[]).count(),
        to_create=ok.filter(decision=Decision.CREATE).count(),
        to_merge=ok.filter(decision=Decision.MERGE).count(),
        to_skip=ok.filter(decision=Decision.SKIP).count(),
    )


def queue(*, actor: Colleague, job: Import) -> None:
    """The importer confirmed the preview: the import may run."""
    updated = Import.objects.filter(pk=job.pk, status=Status.READY).update(
        status=Status.QUEUED, rows_done=0
    )
    if not updated:
        raise ImportRefused(_("Cet import est déjà lancé."))
    job.status = Status.QUEUED


# ---------------------------------------------------------------------------------------
# Writing: batches of rows, each row in its own savepoint.
# ---------------------------------------------------------------------------------------


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for items in error.message_dict.values() for m in items)
    return " ".join(str(m) for m in error.messages)


@dataclass
class _Writer:
    actor: Colleague
    types: dict[int, ContactType]
    owners: dict[int, OwnerEntry]
    colleagues: dict[int, Colleague]
    portfolios: dict[int, Portfolio]
    organizations: dict[str, Contact] = field(default_factory=dict)

    @classmethod
    def of(cls, actor: Colleague) -> _Writer:
        firm = actor.firm_id
        return cls(
            actor=actor,
            types={t.pk: t for t in ContactType.objects.filter(firm_id=firm)},
            owners={
                o.pk: o for o in OwnerEntry.objects.filter(firm_id=firm).select_related("colleague")
            },
            colleagues={c.pk: c for c in Colleague.objects.filter(firm_id=firm)},
            portfolios={p.pk: p for p in Portfolio.objects.filter(firm_id=firm)},
        )

    def organization(self, name: str) -> Contact | None:
        """An organization of that name the importer sees in full, or one this import
        created; None: the row creates it."""
        key = _norm(name)
        if key in self.organizations:
            return self.organizations[key]
        found = (
            annotate_level(self.actor, visible_clients(self.actor, Level.FULL))
            .filter(kind=Contact.Kind.ORGANIZATION, search_name=key)
            .order_by("pk")
            .first()
        )
        if found is not None:
            self.organizations[key] = found
        return found

    def create(self, values: Mapping[str, Any]) -> Contact:
        common: dict[str, Any] = {
            "actor": self.actor,
            "privacy": values.get("privacy"),
            "contact_type": self.types.get(values.get("contact_type") or 0),
            "owner": self.owners.get(values.get("owner") or 0),
            "description": values.get("description", ""),
            "client_code": values.get("client_code", ""),
            "emails": values.get("emails", []),
            "phones": values.get("phones", []),
        }
        if values["kind"] == Contact.Kind.PERSON:
            organization = None
            new_organization = ""
            if values.get("organization"):
                organization = self.organization(values["organization"])
                new_organization = "" if organization is not None else values["organization"]
            born = values.get("birth_date")
            contact = contact_services.create_person(
                first_name=values.get("first_name", ""),
                middle_name=values.get("middle_name", ""),
                last_name=values.get("last_name", ""),
                preferred_name=values.get("preferred_name", ""),
                birth_date=date.fromisoformat(born) if born else None,
                organization=organization,
                new_organization_name=new_organization,
                role=values.get("job_title", "") if values.get("organization") else "",
                **common,
            )
            if new_organization:
                card = contact.cards.select_related("organization").first()
                if card is not None:
                    self.organizations[_norm(new_organization)] = card.organization
        else:
            contact = contact_services.create_organization(
                display_name=values["display_name"],
                website=values.get("website", ""),
                **common,
            )
        self._team(contact, values)
        if values.get("address"):
            detail_services.add_address(actor=self.actor, contact=contact, **values["address"])
        return contact

    def _team(self, contact: Contact, values: Mapping[str, Any]) -> None:
        team = values.get("team") or {}
        if team:
            manager: Colleague | Unset | None = self.colleagues.get(team.get("manager") or 0, UNSET)
            access.change_client_team(
                actor=self.actor,
                client=contact,
                manager=manager,
                roles=[
                    (int(slot), self.colleagues[holder])
                    for slot, holder in (team.get("roles") or {}).items()
                    if holder in self.colleagues
                ],
                add_members=[
                    self.colleagues[pk] for pk in team.get("members", []) if pk in self.colleagues
                ],
            )
        portfolio = self.portfolios.get(values.get("portfolio") or 0)
        if portfolio is not None:
            access.move_client_to_portfolio(actor=self.actor, client=contact, portfolio=portfolio)

    def merge(self, contact_id: int, values: Mapping[str, Any]) -> Contact:
        """Completes an existing contact the importer sees in full: its empty fields take
        the row's values, its e-mails, phones and address are added to; nothing it holds is
        overwritten, and its team is left alone."""
        found = visible_clients(self.actor, Level.FULL).filter(pk=contact_id).first()
        if found is None:
            raise PermissionDenied
        contact: Contact = found
        changes: dict[str, Any] = {}
        fields = ["description", "client_code"]
        if contact.kind == Contact.Kind.PERSON:
            fields += ["preferred_name"]
            if values.get("birth_date") and contact.birth_date is None:
                changes["birth_date"] = date.fromisoformat(values["birth_date"])
        else:
            fields += ["website"]
        for name in fields:
            if values.get(name) and not getattr(contact, name):
                changes[name] = values[name]
        if values.get("contact_type") and contact.contact_type_id is None:
            changes["contact_type"] = self.types.get(values["contact_type"])
        if changes:
            contact = contact_services.update_contact(actor=self.actor, contact=contact, **changes)
        held = set(contact.emails.values_list("address", flat=True))
        for address in values.get("emails", []):
            if address not in held:
                detail_services.add_email(actor=self.actor, contact=contact, address=address)
        numbers = set(contact.phones.values_list("number", flat=True))
        for number in values.get("phones", []):
            if number not in numbers:
                detail_services.add_phone(actor=self.actor, contact=contact, number=number)
        if values.get("address") and not contact.addresses.exists():
            detail_services.add_address(actor=self.actor, contact=contact, **values["address"])
        return contact


def _write_row(writer: _Writer, row: ImportRow) -> None:
    if row.errors:
        row.outcome, row.reason = Outcome.REJECTED, " ".join(row.errors)
        return
    if row.decision == Decision.SKIP:
        row.outcome = Outcome.SKIPPED
        row.reason = _("Doublon probable, ignoré à votre demande.") if row.duplicate_of_id else ""
        return
    try:
        with transaction.atomic():
            if row.decision == Decision.MERGE and row.duplicate_of_id:
                row.contact = writer.merge(row.duplicate_of_id, row.values)
                row.outcome = Outcome.MERGED
            else:
                row.contact = writer.create(row.values)
                row.outcome = Outcome.CREATED
    except ValidationError as error:
        row.contact = None
        row.outcome, row.reason = Outcome.REJECTED, _messages(error)
    except (PermissionDenied, Http404):
        row.contact = None
        row.outcome = Outcome.REJECTED
        row.reason = _("Vous ne pouvez pas modifier ce contact.")


def run(job: Import, progress: Callable[[int], None] | None = None) -> bool:
    """Writes the rows of a confirmed import that are not written yet, a batch at a time;
    False when it was not queued or its requester is no longer active. Run again after a
    stop, it carries on: a row once written is never written twice."""
    taken = Import.objects.filter(pk=job.pk, status=Status.QUEUED).update(status=Status.RUNNING)
    if not taken:
        return False
    actor = Colleague.objects.get(pk=job.requester_id)
    if not actor.is_active:
        Import.objects.filter(pk=job.pk).update(
            status=Status.FAILED, error="inactive", finished_at=timezone.now()
        )
        return False
    writer = _Writer.of(actor)
    pending = ImportRow.objects.filter(job=job, outcome="").order_by("number")
    last = 0
    while True:
        batch = list(pending.filter(number__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].number
        try:
            with transaction.atomic():
                for row in batch:
                    _write_row(writer, row)
                ImportRow.objects.bulk_update(batch, ["outcome", "reason", "contact"])
        except DatabaseError as error:
            # The whole batch is rolled back: none of its rows is written, each is reported.
            writer.organizations.clear()
            for row in batch:
                row.contact = None
                row.outcome = Outcome.REJECTED
                row.reason = _("Lot annulé, rien n'a été écrit : %(error)s") % {"error": error}
            ImportRow.objects.bulk_update(batch, ["outcome", "reason", "contact"])
        done = ImportRow.objects.filter(job=job).exclude(outcome="").count()
        Import.objects.filter(pk=job.pk).update(rows_done=done)
        if progress is not None:
            progress(done)
    _finish(job, actor)
    return True


def _finish(job: Import, actor: Colleague) -> None:
    rows = ImportRow.objects.filter(job=job)
    counts = {
        outcome: rows.filter(outcome=outcome).count()
        for outcome in (Outcome.CREATED, Outcome.MERGED, Outcome.SKIPPED, Outcome.REJECTED)
    }
    with transaction.atomic():
        Import.objects.filter(pk=job.pk).update(
            status=Status.DONE,
            rows_done=rows.count(),
            created_count=counts[Outcome.CREATED],
            merged_count=counts[Outcome.MERGED],
            skipped_count=counts[Outcome.SKIPPED],
            rejected_count=counts[Outcome.REJECTED],
            finished_at=timezone.now(),
        )
        record_event(
            actor=actor,
            action="contacts.imported",
            after={
                "import": job.pk,
                "file": job.original_name,
                "created": counts[Outcome.CREATED],
                "merged": counts[Outcome.MERGED],
                "skipped": counts[Outcome.SKIPPED],
                "rejected": counts[Outcome.REJECTED],
            },
        )


# ---------------------------------------------------------------------------------------
# The report: every row not created or completed, with its cells and the reason.
# ---------------------------------------------------------------------------------------


def report_csv(job: Import) -> Iterator[str]:
    """The rows rejected or skipped, as CSV (UTF-8 with BOM): line, status, reason, then the
    file's own columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Sequence[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_neutral(str(cell)) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line([_("Ligne"), _("Statut"), _("Raison"), *job.headers])
    labels = dict(Outcome.choices)
    rows = (
        ImportRow.objects.filter(job=job, outcome__in=[Outcome.REJECTED, Outcome.SKIPPED])
        .order_by("number")
        .values_list("number", "outcome", "reason", "cells")
    )
    for number, outcome, reason, cells in rows.iterator(chunk_size=1000):
        yield line([number, labels.get(outcome, outcome), reason, *cells])


def _neutral(text: str) -> str:
    return neutralise(text)
