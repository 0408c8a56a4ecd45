"""Importing contacts (docs/imports.md): a file previewed row by row with its errors and
likely duplicates (found only among the contacts the importer sees), the importer's
choices, then the valid rows written through the services, with a report of the rest."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from pytest_django import Settings

from portefeuille.access.models import Portfolio
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact, ContactCard, EmailAddress
from portefeuille.exchange import imports
from portefeuille.exchange.models import Import, ImportRow
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db

GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Nickname,Organization Name,Organization Title,"
    "Birthday,Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,"
    "E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value"
)


@pytest.fixture(autouse=True)
def _setup(settings: Settings, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def firm() -> Firm:
    return f.FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return f.AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def staff(firm: Firm) -> Colleague:
    return f.ColleagueFactory.create(
        firm=firm, first_name="Sacha", last_name="Staff", email="sacha@cabinet.test"
    )


def upload(text: str, name: str = "contacts.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def imported(actor: Colleague, text: str, **kwargs: str) -> Import:
    """An import started, mapped as guessed and analysed."""
    job = imports.start(actor=actor, upload=upload(text, **kwargs))
    imports.set_mapping(actor=actor, job=job, chosen=job.mapping)
    imports.analyse(job)
    job.refresh_from_db()
    return job


def finish(actor: Colleague, job: Import) -> Import:
    imports.queue(actor=actor, job=job)
    assert imports.run(job)
    job.refresh_from_db()
    return job


def row(job: Import, number: int) -> ImportRow:
    return ImportRow.objects.get(job=job, number=number)


def google_csv(*lines: str) -> str:
    return "\n".join((GOOGLE_HEADER, *lines)) + "\n"


def test_a_google_contacts_file_is_previewed_then_written_with_its_details(
    staff: Colleague,
) -> None:
    job = imported(
        staff,
        google_csv(
            "Élodie,,Lefèvre,Élo,Boulangerie Martin,Gérante,1985-04-12,Cliente fidèle,,"
            "Work,elodie@martin.test,Home,elo@perso.test,Mobile,06 12 34 56 78 ::: 01 42 68 53 00",
            "Marc,,Durand,,,,,,,Work,marc@durand.test,,,,",
        ),
    )
    assert job.status == Import.Status.READY
    assert job.rows_total == 2
    preview = imports.summary(job)
    assert (preview.to_create, preview.invalid, preview.duplicates) == (2, 0, 0)
    # The preview writes nothing.
    assert not Contact.objects.filter(last_name="Lefèvre").exists()

    job = finish(staff, job)
    assert (job.created_count, job.rejected_count) == (2, 0)
    elodie = Contact.objects.get(firm=staff.firm, last_name="Lefèvre")
    assert elodie.first_name == "Élodie"
    assert elodie.preferred_name == "Élo"
    assert str(elodie.birth_date) == "1985-04-12"
    assert sorted(elodie.emails.values_list("address", flat=True)) == [
        "elo@perso.test",
        "elodie@martin.test",
    ]
    # Google's " ::: " between two numbers of one cell.
    assert list(elodie.phones.values_list("number", flat=True)) == ["+33612345678", "+33142685300"]
    card = ContactCard.objects.get(person=elodie)
    assert card.organization.display_name == "Boulangerie Martin"
    assert card.role == "Gérante"
    # Each contact has its own creation in its history, and the import one firm event.
    assert AuditEvent.objects.filter(action="client.created", client=elodie).exists()
    event = AuditEvent.objects.get(action="contacts.imported")
    assert event.after is not None
    assert event.after["created"] == 2


def test_a_company_named_on_several_rows_is_created_once(staff: Colleague) -> None:
    job = imported(
        staff,
        google_csv(
            "Anne,,Roux,,Atelier Roux,,,,,,,,,,",
            "Paul,,Roux,,Atelier Roux,Apprenti,,,,,,,,,",
        ),
    )
    finish(staff, job)
    assert Contact.objects.filter(firm=staff.firm, display_name="Atelier Roux").count() == 1
    assert ContactCard.objects.filter(organization__display_name="Atelier Roux").count() == 2


def test_likely_duplicates_are_flagged_and_skipped_unless_the_importer_chooses(
    firm: Firm, staff: Colleague
) -> None:
    existing = f.PersonFactory.create(firm=firm, first_name="Élodie", last_name="Lefèvre")
    by_mail = f.PersonFactory.create(firm=firm, first_name="Jean", last_name="Martin")
    f.EmailAddressFactory.create(firm=firm, contact=by_mail, address="jean@martin.test")
    job = imported(
        staff,
        google_csv(
            "elodie,,lefevre,,,,,,,,,,,,",
            "Jeannot,,Martin-Dupré,,,,,,,Work,jean@martin.test,,,Mobile,0611223344",
            "Nouveau,,Client,,,,,,,,,,,,",
        ),
    )
    assert (row(job, 2).duplicate_of_id, row(job, 2).duplicate_reason) == (existing.pk, "name")
    assert (row(job, 3).duplicate_of_id, row(job, 3).duplicate_reason) == (by_mail.pk, "email")
    assert row(job, 2).decision == ImportRow.Decision.SKIP
    # A name alone may be created anyway; an address that is another contact's may not.
    imports.decide(actor=staff, job=job, decisions={2: ImportRow.Decision.CREATE})
    with pytest.raises(imports.ImportRefused):
        imports.decide(actor=staff, job=job, decisions={3: ImportRow.Decision.CREATE})
    imports.decide(actor=staff, job=job, decisions={3: ImportRow.Decision.MERGE})

    job = finish(staff, job)
    assert (job.created_count, job.merged_count, job.skipped_count) == (2, 1, 0)
    assert Contact.objects.filter(firm=firm, last_name="Lefèvre").count() == 1
    assert Contact.objects.filter(firm=firm, last_name="lefevre").count() == 1
    # Merging adds what was missing and overwrites nothing.
    by_mail.refresh_from_db()
    assert by_mail.last_name == "Martin"
    assert list(by_mail.phones.values_list("number", flat=True)) == ["+33611223344"]


def test_a_contact_the_importer_does_not_see_is_never_named(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    hidden = f.PersonFactory.create(
        firm=firm, first_name="Secret", last_name="Caché", privacy=Privacy.HIDDEN
    )
    f.EmailAddressFactory.create(firm=firm, contact=hidden, address="secret@cache.test")
    private = f.PersonFactory.create(
        firm=firm, first_name="Privé", last_name="Discret", privacy=Privacy.PRIVATE
    )
    job = imported(
        staff,
        google_csv(
            "Secret,,Caché,,,,,,,,,,,,",
            "Autre,,Nom,,,,,,,Work,secret@cache.test,,,,",
            "Privé,,Discret,,,,,,,,,,,,",
        ),
    )
    # A hidden contact is no duplicate by name; its address is refused without its name.
    assert row(job, 2).duplicate_of_id is None
    assert row(job, 2).errors == []
    assert row(job, 3).duplicate_of_id is None
    assert row(job, 3).errors == [
        "L'adresse secret@cache.test est déjà utilisée par un autre contact du cabinet."
    ]
    # A private contact seen by name is a duplicate, but not one to merge into.
    assert row(job, 4).duplicate_of_id == private.pk
    page = Client()
    page.force_login(staff)
    html = page.get(f"/imports/{job.pk}/?show=all").content.decode()
    assert "Caché" in html  # the row's own values
    assert f"/contacts/{private.pk}/" not in html
    assert f"/contacts/{hidden.pk}/" not in html
    with pytest.raises(imports.ImportRefused):
        imports.decide(actor=staff, job=job, decisions={4: ImportRow.Decision.MERGE})
    # The admin sees both: the same file gives them two duplicates.
    job = imported(admin, google_csv("Secret,,Caché,,,,,,,,,,,,"))
    assert row(job, 2).duplicate_of_id == hidden.pk


def test_bad_rows_are_reported_with_their_reason_and_the_rest_is_imported(
    firm: Firm, staff: Colleague
) -> None:
    text = (
        "Prénom;Nom;E-mail;Téléphone;Type de contact;Gestionnaire\n"
        "Lucie;Petit;lucie@petit.test;0612345678;Client;sacha@cabinet.test\n"
        ";;sans@nom.test;;;\n"
        "Bruno;Faux;pas-une-adresse;;;\n"
        "Chloé;Blanc;chloe@blanc.test;;Inconnu;\n"
        "Denis;Gris;denis@gris.test;;;personne@ailleurs.test\n"
        "Émile;Doublon;lucie@petit.test;;;\n"
    )
    job = imported(staff, text, encoding="cp1252")
    assert imports.summary(job).invalid == 5
    assert "ne nomme personne" in row(job, 3).errors[0]
    assert "pas-une-adresse" in row(job, 4).errors[0]
    assert "Inconnu" in row(job, 5).errors[0]
    assert "personne@ailleurs.test" in row(job, 6).errors[0]
    assert "ligne 2" in row(job, 7).errors[0]
    job = finish(staff, job)
    assert (job.created_count, job.rejected_count) == (1, 5)
    lucie = Contact.objects.get(firm=firm, last_name="Petit")
    assert lucie.contact_type is not None
    assert lucie.contact_type.name == "Client"
    # A colleague may not choose the team of a public client they create: noted, not done.
    assert lucie.manager_id is None
    assert "Équipe client ignorée" in row(job, 2).warnings[0]
    report = "".join(imports.report_csv(job)).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0][:3] == ["Ligne", "Statut", "Raison"]
    assert [line[0] for line in lines[1:]] == ["3", "4", "5", "6", "7"]
    assert lines[2][3:5] == ["Bruno", "Faux"]


def test_team_and_portfolio_columns_are_honoured_only_when_the_importer_may_set_them(
    firm: Firm, staff: Colleague, admin: Colleague
) -> None:
    Portfolio.objects.create(firm=firm, name="Paris")
    text = "Nom;Genre;Gestionnaire;Portefeuille\nAtelier Bleu;organisation;Sacha Staff;Paris\n"
    job = imported(staff, text)
    warnings = " ".join(row(job, 2).warnings)
    assert "Équipe client ignorée" in warnings
    assert "Portefeuille ignoré" in warnings
    finish(staff, job)
    atelier = Contact.objects.get(firm=firm, display_name="Atelier Bleu")
    assert atelier.kind == Contact.Kind.ORGANIZATION
    assert (atelier.manager_id, atelier.portfolio_id) == (None, None)

    job = imported(admin, text.replace("Atelier Bleu", "Atelier Vert"))
    assert row(job, 2).warnings == []
    finish(admin, job)
    vert = Contact.objects.get(firm=firm, display_name="Atelier Vert")
    assert vert.manager_id == staff.pk
    assert vert.portfolio is not None
    assert vert.portfolio.name == "Paris"


def test_files_refused_as_a_whole_say_why(staff: Colleague, settings: Settings) -> None:
    with pytest.raises(imports.ImportRefused, match="vide"):
        imports.start(actor=staff, upload=upload(""))
    with pytest.raises(imports.ImportRefused, match="Format"):
        imports.start(actor=staff, upload=upload("%PDF-1.4", name="scan.pdf"))
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    with pytest.raises(imports.ImportRefused, match="1 Mo"):
        imports.start(actor=staff, upload=upload("Nom\n" + "x" * (1024 * 1024)))
    assert not Import.objects.exists()


def test_a_mapping_without_a_name_is_refused(staff: Colleague) -> None:
    job = imports.start(actor=staff, upload=upload("E-mail,Société\na@b.test,X\n"))
    with pytest.raises(imports.ImportRefused, match="nom"):
        imports.set_mapping(actor=staff, job=job, chosen=["email", ""])
    with pytest.raises(imports.ImportRefused, match="deux colonnes"):
        imports.set_mapping(actor=staff, job=job, chosen=["name", "name"])


def test_a_batch_that_fails_is_rolled_back_and_reported(
    firm: Firm, staff: Colleague, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BATCH", 2)
    job = imported(
        staff, google_csv(*(f"P{n},,Nom{n},,,,,,,Work,p{n}@x.test,,,," for n in range(5)))
    )
    real = imports._Writer.create
    calls = {"n": 0}

    def failing(self: imports._Writer, values: dict[str, object]) -> Contact:
        calls["n"] += 1
        if calls["n"] == 4:  # the second row of the second batch: the database gives up
            raise DatabaseError("disk full")
        return real(self, values)

    monkeypatch.setattr(imports._Writer, "create", failing)
    job = finish(staff, job)
    assert (job.created_count, job.rejected_count) == (3, 2)
    # The failed batch's first row was rolled back with it.
    assert not EmailAddress.objects.filter(address="p2@x.test").exists()
    assert "Lot annulé" in row(job, 4).reason
    assert EmailAddress.objects.filter(address="p4@x.test").exists()


def test_an_import_stopped_halfway_carries_on_without_writing_a_row_twice(
    firm: Firm, staff: Colleague
) -> None:
    job = imported(staff, google_csv("Un,,Premier,,,,,,,,,,,,", "Deux,,Second,,,,,,,,,,,,"))
    first = ImportRow.objects.get(job=job, number=2)
    first.outcome = ImportRow.Outcome.CREATED
    first.contact = f.PersonFactory.create(firm=firm, first_name="Un", last_name="Premier")
    first.save()
    job = finish(staff, job)
    assert Contact.objects.filter(firm=firm, last_name="Premier").count() == 1
    assert job.created_count == 2


def test_an_import_is_its_requesters_only(firm: Firm, staff: Colleague, admin: Colleague) -> None:
    job = imported(staff, google_csv("Un,,Premier,,,,,,,,,,,,"))
    other = Client()
    other.force_login(admin)
    for path in ("", "columns/", "report/"):
        assert other.get(f"/imports/{job.pk}/{path}").status_code == 404
    for path in ("decide/", "run/", "discard/"):
        assert other.post(f"/imports/{job.pk}/{path}").status_code == 404
    assert Import.objects.filter(pk=job.pk, status=Import.Status.READY).exists()


def test_the_pages_take_a_file_from_upload_to_report(firm: Firm, staff: Colleague) -> None:
    page = Client()
    page.force_login(staff)
    assert "Importer des contacts" in page.get("/imports/").content.decode()
    answer = page.post(
        "/imports/", {"file": upload(google_csv("Zoé,,Arnaud,,,,,,,,,,,,", ",,,,,,,,,,,,,,x"))}
    )
    job = Import.objects.get(requester=staff)
    assert answer.status_code == 302
    assert answer["Location"] == f"/imports/{job.pk}/columns/"
    mapping = page.get(answer["Location"]).content.decode()
    assert "First Name" in mapping
    assert "Zoé" in mapping
    chosen = {f"col_{index}": key for index, key in enumerate(job.mapping)}
    assert page.post(f"/imports/{job.pk}/columns/", chosen).status_code == 302
    preview = page.get(f"/imports/{job.pk}/").content.decode()
    assert "Importer 1 contact" in preview
    assert page.post(f"/imports/{job.pk}/run/").status_code == 302
    done = page.get(f"/imports/{job.pk}/").content.decode()
    assert "1 contact créé" in done
    report = page.get(f"/imports/{job.pk}/report/")
    assert report.status_code == 200
    assert Contact.objects.filter(firm=firm, last_name="Arnaud").exists()


def test_an_empty_upload_is_refused_on_the_page(staff: Colleague) -> None:
    page = Client()
    page.force_login(staff)
    answer = page.post("/imports/", {"file": upload("", name="vide.csv")})
    assert answer.status_code == 400
    assert "Le fichier est vide." in answer.content.decode()
