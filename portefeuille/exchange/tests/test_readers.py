"""Reading an uploaded contacts file (exchange/readers.py): no database."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
import xlsxwriter  # type: ignore[import-untyped]

from portefeuille.exchange.readers import (
    Table,
    UnreadableFile,
    read_table,
    sniff_format,
    vcard_columns,
)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def csv_table(tmp_path: Path, content: bytes) -> Table:
    return read_table(write(tmp_path, "contacts.csv", content), "csv")


def refusal(path: Path, format: str) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_table(path, format)
    return caught.value.message


# --- CSV -------------------------------------------------------------------------------


def test_a_windows_1252_csv_from_french_excel_keeps_its_accents(tmp_path: Path) -> None:
    table = csv_table(tmp_path, "Nom;Prénom;Ville\r\nDupré;Élodie;Orléans\r\n".encode("cp1252"))
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.headers == ["Nom", "Prénom", "Ville"]
    assert list(table.rows()) == [(2, ["Dupré", "Élodie", "Orléans"])]


def test_a_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    table = csv_table(tmp_path, "\ufeffName,E-mail\nÉlodie,e@x.fr\n".encode())
    assert table.encoding == "utf-8-sig"
    assert table.headers == ["Name", "E-mail"]
    assert list(table.rows()) == [(2, ["Élodie", "e@x.fr"])]


def test_plain_utf8_is_read_as_utf8(tmp_path: Path) -> None:
    table = csv_table(tmp_path, "Nom,Ville\nCrémieux,Besançon\n".encode())
    assert table.encoding == "utf-8"
    assert list(table.rows()) == [(2, ["Crémieux", "Besançon"])]


def test_a_utf16_csv_with_its_bom_is_read(tmp_path: Path) -> None:
    table = csv_table(tmp_path, "Nom\tVille\r\nDupré\tSète\r\n".encode("utf-16"))
    assert table.encoding == "utf-16"
    assert table.delimiter == "\t"
    assert list(table.rows()) == [(2, ["Dupré", "Sète"])]


def test_semicolons_are_found_even_with_commas_inside_values(tmp_path: Path) -> None:
    content = "Nom;Adresse;Ville\nDupont;12, rue de la Paix;Paris\nMartin;3, place X;Lyon\n"
    table = csv_table(tmp_path, content.encode())
    assert table.delimiter == ";"
    assert [cells for _n, cells in table.rows()] == [
        ["Dupont", "12, rue de la Paix", "Paris"],
        ["Martin", "3, place X", "Lyon"],
    ]


def test_tabs_are_found(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom\tE-mail\nDupont\td@x.fr\n")
    assert table.delimiter == "\t"
    assert table.headers == ["Nom", "E-mail"]


def test_pipes_are_found(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom|E-mail\nDupont|d@x.fr\n")
    assert table.delimiter == "|"
    assert list(table.rows()) == [(2, ["Dupont", "d@x.fr"])]


def test_a_single_column_file_is_one_column(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom\nDupont\nMartin\n")
    assert table.headers == ["Nom"]
    assert [cells for _n, cells in table.rows()] == [["Dupont"], ["Martin"]]


def test_a_quoted_newline_stays_in_its_cell_and_rows_count_records(tmp_path: Path) -> None:
    content = b'Nom,Notes\r\nDupont,"Ligne 1\r\nLigne 2"\r\nMartin,Rien\r\n'
    table = csv_table(tmp_path, content)
    assert list(table.rows()) == [(2, ["Dupont", "Ligne 1\nLigne 2"]), (3, ["Martin", "Rien"])]


def test_cells_are_stripped_padded_and_blank_rows_skipped(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom,Ville,Pays\n  Dupont  ,Paris\n\n,,\nMartin,Lyon,France\n")
    assert list(table.rows()) == [
        (2, ["Dupont", "Paris", ""]),
        (5, ["Martin", "Lyon", "France"]),
    ]


def test_rows_can_be_read_twice(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom\nDupont\nMartin\n")
    assert list(table.rows()) == list(table.rows())
    assert len(list(table.rows())) == 2


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "vide.csv", b""), "csv") == "Le fichier est vide."


def test_a_file_of_blank_lines_has_no_header_row(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "blanc.csv", b"\r\n  \r\n;;\r\n"), "csv")
    assert "aucune ligne d'en-tête" in message


def test_a_header_only_file_has_no_rows_and_no_error(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom;Prenom;E-mail\r\n")
    assert table.headers == ["Nom", "Prenom", "E-mail"]
    assert list(table.rows()) == []
    assert table.notices == []


def test_blank_and_repeated_headers_are_named_by_their_position(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom,,E-mail,e-mail,Nom\nA,B,C,D,E\n")
    assert table.headers == ["Nom", "Colonne 2", "E-mail", "Colonne 4", "Colonne 5"]
    assert list(table.rows()) == [(2, ["A", "B", "C", "D", "E"])]


def test_trailing_blank_headers_are_not_columns(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom;Ville;;\nDupont;Paris;;\n")
    assert table.headers == ["Nom", "Ville"]
    assert table.notices == []


def test_values_past_the_header_are_cut_with_one_notice(tmp_path: Path) -> None:
    table = csv_table(tmp_path, b"Nom,Ville\nDupont,Paris,en trop\nMartin,Lyon,,\nA,B,C,D\n")
    assert table.notices == [
        "Certaines lignes ont plus de valeurs que l'en-tête : les valeurs en trop sont ignorées."
    ]
    assert [cells for _n, cells in table.rows()] == [
        ["Dupont", "Paris"],
        ["Martin", "Lyon"],
        ["A", "B"],
    ]


def test_nul_bytes_are_refused(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "binaire.csv", b"Nom,Ville\nDup\x00ont,Paris\n"), "csv")
    assert "caractères nuls" in message


def test_bytes_of_no_known_encoding_are_refused(tmp_path: Path) -> None:
    # 0x81 and 0x8D are invalid UTF-8 and undefined in Windows-1252.
    message = refusal(write(tmp_path, "bizarre.csv", b"Nom\n\x81\x8d\n"), "csv")
    assert "encodage" in message


# --- XLSX ------------------------------------------------------------------------------


def test_a_formula_without_a_saved_value_is_read_empty_with_notices(tmp_path: Path) -> None:
    # openpyxl writes formulas without computing them: no cached value.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Total"])
    sheet.append(["Dupont", "=1+1"])
    sheet.append(["Martin", "=2+2"])
    path = tmp_path / "formules.xlsx"
    workbook.save(path)

    table = read_table(path, "xlsx")
    assert table.headers == ["Nom", "Total"]
    assert list(table.rows()) == [(2, ["Dupont", ""]), (3, ["Martin", ""])]
    assert table.notices == [
        "2 cellules contiennent une formule : la valeur calculée par Excel est importée.",
        "2 formules n'ont pas de valeur enregistrée : ces cellules sont lues vides (ouvrez et "
        "enregistrez le fichier dans Excel).",
    ]


def test_a_formula_with_a_saved_value_gives_that_value(tmp_path: Path) -> None:
    path = tmp_path / "excel.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Clients")
    sheet.write_row("A1", ["Nom", "Total"])
    sheet.write("A2", "Dupont")
    sheet.write_formula("B2", "=1+1", None, 2)
    workbook.close()

    table = read_table(path, "xlsx")
    assert list(table.rows()) == [(2, ["Dupont", "2"])]
    assert table.notices == [
        "1 cellule contient une formule : la valeur calculée par Excel est importée."
    ]


def test_merged_cells_give_their_value_to_every_cell_of_the_merge(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Société", "Nom", "Ville", "Pays"])
    sheet.append(["Cabinet Durand", "Dupont", "Paris", None])
    sheet.append([None, "Martin", None, None])
    sheet.append([None, "Bernard", "Lyon", "France"])
    sheet.merge_cells("A2:A4")  # one company for three people
    sheet.merge_cells("C2:D3")  # a block
    path = tmp_path / "fusion.xlsx"
    workbook.save(path)

    table = read_table(path, "xlsx")
    assert list(table.rows()) == [
        (2, ["Cabinet Durand", "Dupont", "Paris", "Paris"]),
        (3, ["Cabinet Durand", "Martin", "Paris", "Paris"]),
        (4, ["Cabinet Durand", "Bernard", "Lyon", "France"]),
    ]
    assert table.notices == [
        "Cellules fusionnées : leur valeur est reprise sur chaque ligne et colonne de la fusion."
    ]


def test_typed_cells_are_read_as_text(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Naissance", "Rendez-vous", "Code", "Montant", "Actif", "Vide"])
    sheet.append(
        [
            datetime.date(1985, 4, 12),
            datetime.datetime(2024, 5, 6, 14, 30),
            12.0,
            12.5,
            True,
            None,
        ]
    )
    sheet.append([datetime.datetime(1990, 1, 2), None, 75002, None, False, None])
    path = tmp_path / "types.xlsx"
    workbook.save(path)

    table = read_table(path, "xlsx")
    assert list(table.rows()) == [
        (2, ["1985-04-12", "2024-05-06 14:30", "12", "12.5", "1", ""]),
        (3, ["1990-01-02", "", "75002", "", "0", ""]),
    ]


def test_the_header_is_the_first_non_empty_row_and_numbers_are_sheet_rows(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"] = "Nom"
    sheet["C3"] = "Ville"
    sheet["B5"] = "Dupont"
    sheet["C6"] = "Lyon"
    sheet["E7"] = "hors tableau"
    path = tmp_path / "decale.xlsx"
    workbook.save(path)

    table = read_table(path, "xlsx")
    assert table.headers == ["Colonne 1", "Nom", "Ville"]
    assert list(table.rows()) == [(5, ["", "Dupont", ""]), (6, ["", "", "Lyon"])]
    assert (
        "Certaines lignes ont plus de valeurs que l'en-tête : les valeurs en trop sont ignorées."
        in table.notices
    )


def test_only_the_first_sheet_is_read_and_the_page_says_so(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Clients"
    workbook.active.append(["Nom"])
    workbook.active.append(["Dupont"])
    workbook.create_sheet("Autres").append(["Ignoré"])
    path = tmp_path / "feuilles.xlsx"
    workbook.save(path)

    table = read_table(path, "xlsx")
    assert list(table.rows()) == [(2, ["Dupont"])]
    assert table.notices == ["Seule la première feuille du classeur (« Clients ») est importée."]


def test_an_empty_workbook_has_no_header_row(tmp_path: Path) -> None:
    path = tmp_path / "vide.xlsx"
    openpyxl.Workbook().save(path)
    assert "aucune ligne d'en-tête" in refusal(path, "xlsx")


def test_an_xlsx_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "faux.xlsx", b"Nom;Ville\nDupont;Paris\n")
    assert refusal(path, "xlsx").startswith("Ce fichier Excel est illisible : ")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "rien")
    assert refusal(path, "xlsx").startswith("Ce fichier Excel est illisible : ")


# --- vCard -----------------------------------------------------------------------------

THREE_CARDS = (
    # 3.0, with lines folded at 75 characters.
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Dupré;André;Marie;;\r\n"
    "FN:André Dupré\r\n"
    "NICKNAME:Dédé\r\n"
    "ORG:Cabinet Dupré;Audit\r\n"
    "TITLE:Associé\r\n"
    "EMAIL;TYPE=INTERNET,WORK:andre@dupre.fr\r\n"
    "EMAIL;TYPE=INTERNET,HOME:andre.perso@exemple.fr\r\n"
    "TEL;TYPE=CELL:+33 6 12 34 56 78\r\n"
    "BDAY:19850412\r\n"
    "URL:https://dupre.fr\r\n"
    "NOTE:Client depuis 2010\\, rencontré au salon. Une note assez longue pour être pl\r\n"
    " iée sur deux lignes.\r\n"
    "ADR;TYPE=WORK:;Bâtiment A;12 rue de la Paix;Paris;Île-de-France;75002;Fr\r\n"
    " ance\r\n"
    "END:VCARD\r\n"
    # 4.0, broken: a line with no colon.
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Claire Martin\r\n"
    "CETTE LIGNE EST CASSEE\r\n"
    "END:VCARD\r\n"
    # 2.1, quoted-printable with a soft line break.
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;Ren=C3=A9;;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ren=C3=A9 Lef=C3=A8vre\r\n"
    "TEL;CELL;VOICE:06 11 22 33 44\r\n"
    "TEL;WORK;VOICE:02 40 00 00 00\r\n"
    "EMAIL;INTERNET:rene@lefevre.fr\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Tr=C3=A8s fid=C3=A8le, appel=\r\n"
    "er en janvier\r\n"
    "ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;3 all=C3=A9e des Tilleuls;Nantes;;"
    "44000;France\r\n"
    "END:VCARD\r\n"
)


def vcard_row(table: Table, cells: list[str]) -> dict[str, str]:
    return dict(zip(table.headers, cells, strict=True))


def test_a_vcard_file_of_three_cards_with_one_broken_gives_three_rows(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "contacts.vcf", THREE_CARDS.encode()), "vcf")
    rows = list(table.rows())
    assert [number for number, _cells in rows] == [1, 2, 3]
    assert table.row_errors == {
        2: "Fiche vCard illisible : ligne mal formée « CETTE LIGNE EST CASSEE »"
    }
    assert rows[1][1] == [""] * len(table.headers)

    first = vcard_row(table, rows[0][1])
    assert first == {
        "Prénom": "André",
        "Deuxième prénom": "Marie",
        "Nom de famille": "Dupré",
        "Nom complet": "André Dupré",
        "Surnom": "Dédé",
        "E-mail 1": "andre@dupre.fr",
        "E-mail 2": "andre.perso@exemple.fr",
        "E-mail 3": "",
        "Téléphone 1": "+33 6 12 34 56 78",
        "Téléphone 2": "",
        "Téléphone 3": "",
        "Organisation": "Cabinet Dupré",
        "Fonction": "Associé",
        "Date de naissance": "1985-04-12",
        "Site web": "https://dupre.fr",
        "Notes": "Client depuis 2010, rencontré au salon. Une note assez longue pour être "
        "pliée sur deux lignes.",
        "Adresse": "12 rue de la Paix",
        "Complément d'adresse": "Bâtiment A",
        "Code postal": "75002",
        "Ville": "Paris",
        "Région": "Île-de-France",
        "Pays": "France",
    }

    third = vcard_row(table, rows[2][1])
    assert third["Prénom"] == "René"
    assert third["Nom de famille"] == "Lefèvre"
    assert third["Nom complet"] == "René Lefèvre"
    assert third["Téléphone 1"] == "06 11 22 33 44"
    assert third["Téléphone 2"] == "02 40 00 00 00"
    assert third["E-mail 1"] == "rene@lefevre.fr"
    assert third["Notes"] == "Très fidèle, appeler en janvier"
    assert third["Adresse"] == "3 allée des Tilleuls"
    assert third["Ville"] == "Nantes"


def test_a_vcard_4_card_is_read(tmp_path: Path) -> None:
    content = (
        "BEGIN:VCARD\nVERSION:4.0\nN:Martin;Claire;;;\nFN:Claire Martin\n"
        'EMAIL;TYPE=work:claire@martin.fr\nTEL;VALUE=uri;TYPE="voice,cell":tel:+33-6-11-22-33-44\n'
        "BDAY:1990-01-02\nORG:Martin SA\nEND:VCARD\n"
    )
    table = read_table(write(tmp_path, "claire.vcf", content.encode()), "vcf")
    [(number, cells)] = list(table.rows())
    row = vcard_row(table, cells)
    assert number == 1
    assert table.row_errors == {}
    assert (row["Prénom"], row["Nom de famille"], row["Organisation"]) == (
        "Claire",
        "Martin",
        "Martin SA",
    )
    assert row["Téléphone 1"] == "+33-6-11-22-33-44"
    assert row["Date de naissance"] == "1990-01-02"


def test_unescaped_commas_and_grouped_properties_keep_their_whole_value(tmp_path: Path) -> None:
    content = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Durand;Jean,Paul;;;\nFN:Durand, Jean\n"
        "TITLE:Associé, expert-comptable\nNOTE:Voir aussi\\, plus tard\n"
        "item1.EMAIL;type=INTERNET;type=pref:jean@durand.fr\nitem1.X-ABLabel:_$!<Other>!$_\n"
        "ORG:Durand, Martin & Associés;Audit\nADR:;;12, rue X;Paris;;75001;France\nEND:VCARD\n"
    )
    table = read_table(write(tmp_path, "virgules.vcf", content.encode()), "vcf")
    [(_number, cells)] = list(table.rows())
    row = vcard_row(table, cells)
    assert row["Nom complet"] == "Durand, Jean"
    assert row["Prénom"] == "Jean, Paul"
    assert row["Fonction"] == "Associé, expert-comptable"
    assert row["Notes"] == "Voir aussi, plus tard"
    assert row["E-mail 1"] == "jean@durand.fr"
    assert row["Organisation"] == "Durand, Martin & Associés"
    assert row["Adresse"] == "12, rue X"


def test_a_card_cut_short_is_a_row_error(tmp_path: Path) -> None:
    content = "BEGIN:VCARD\nVERSION:3.0\nFN:Un\nEND:VCARD\nbegin:vcard\nVERSION:3.0\nFN:Deux\n"
    table = read_table(write(tmp_path, "coupe.vcf", content.encode()), "vcf")
    assert [number for number, _cells in table.rows()] == [1, 2]
    assert table.row_errors == {
        2: "Fiche vCard illisible : la fiche n'est pas terminée (END:VCARD manquant)"
    }


def test_a_windows_1252_vcard_is_read(tmp_path: Path) -> None:
    content = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Dupré;Zoé;;;\r\nFN:Zoé Dupré\r\nEND:VCARD\r\n"
    table = read_table(write(tmp_path, "zoe.vcf", content.encode("cp1252")), "vcf")
    assert table.encoding == "cp1252"
    [(_number, cells)] = list(table.rows())
    assert vcard_row(table, cells)["Nom complet"] == "Zoé Dupré"


def test_a_vcard_file_with_no_card_is_refused(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "rien.vcf", b"VERSION:3.0\nFN:Personne\n"), "vcf")
    assert "aucune fiche" in message


def test_the_vcard_headers_are_fixed(tmp_path: Path) -> None:
    content = b"BEGIN:VCARD\nVERSION:3.0\nFN:X\nEND:VCARD\n"
    table = read_table(write(tmp_path, "x.vcf", content), "vcf")
    assert table.headers == [header for _key, header in vcard_columns()]
    assert len(table.headers) == 22


# --- Format ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "head", "expected"),
    [
        ("contacts.csv", b"Nom;Ville\n", "csv"),
        ("contacts.TXT", b"Nom\tVille\n", "csv"),
        ("contacts.xlsx", b"PK\x03\x04rest", "xlsx"),
        ("contacts.vcf", b"\xef\xbb\xbfBEGIN:VCARD\r\n", "vcf"),
        ("contacts.vcf", b"\r\nbegin:vcard\r\n", "vcf"),
        ("export.txt", b"BEGIN:VCARD\nVERSION:2.1\n", "vcf"),
    ],
)
def test_the_format_comes_from_the_extension_and_the_content(
    filename: str, head: bytes, expected: str
) -> None:
    assert sniff_format(filename, head) == expected


@pytest.mark.parametrize(
    ("filename", "head", "words"),
    [
        ("contacts.pdf", b"%PDF-1.7", "Format non reconnu"),
        ("contacts", b"Nom;Ville\n", "Format non reconnu"),
        ("contacts.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "anciens fichiers Excel"),
        ("contacts.xlsx", b"Nom;Ville\n", "Ce fichier Excel est illisible"),
        ("contacts.vcf", b"Nom;Ville\n", "BEGIN:VCARD"),
        ("contacts.csv", b"PK\x03\x04rest", "renommez-le en .xlsx"),
    ],
)
def test_a_file_of_another_format_is_refused_with_a_sentence(
    filename: str, head: bytes, words: str
) -> None:
    with pytest.raises(UnreadableFile) as caught:
        sniff_format(filename, head)
    assert words in caught.value.message
