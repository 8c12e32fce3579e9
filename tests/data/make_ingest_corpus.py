"""Write the messy-input corpus in ``ingest/`` (run once; the files are committed).

Each file imitates something users really have: PRH extracts, exports of regional
association services, hand-kept Excel lists. ``ingest/expected.yaml`` says what
each must give.
"""

from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).parent / "ingest"
H_FI = ["Yhdistyksen nimi", "Rekisterinumero", "Y-tunnus", "Rekisteröintipäivä", "Kotipaikka",
        "Toimiala", "Palkattu henkilöstö", "Jäsenet", "Tuottaa palveluja"]
ROWS_FI = [
    ["Saarijärven Eläkkeensaajat ry", "123.001", "0737546-2", "12.3.1975", "Saarijärvi", "elderly", "0", "150", "ei"],
    ["MLL:n Keuruun paikallisyhdistys ry", "123.002", "", "1.2.1990", "Keuruu", "child_family", "0", "80", "ei"],
    ["Jyväskylän Työttömät ry", "123.003", "1572860-0", "2001-05-04", "Jyväskylä", "employment", "6", "45", "kyllä"],
    ["Folkhälsan i Närpes rf", "123.004", "", "3.4.1950", "Närpes", "general_health", "2", "300", "kyllä"],
]


def csv_text(header, rows, delim=","):
    def cell(v):
        v = str(v)
        return f'"{v}"' if (delim in v or '"' in v) else v
    return "\n".join(delim.join(cell(c) for c in r) for r in [header, *rows]) + "\n"


def write(name, text, encoding="utf-8"):
    (OUT / name).write_bytes(text.encode(encoding))


def main():
    OUT.mkdir(exist_ok=True)
    write("01_prh_utf8.csv", csv_text(H_FI, ROWS_FI))
    write("02_bom_semicolon.csv", "\ufeff" + csv_text(H_FI, ROWS_FI, ";"))
    write("03_cp1252_semicolon.csv", csv_text(H_FI, ROWS_FI, ";"), "cp1252")
    write("04_latin1_tab.tsv", csv_text(H_FI, ROWS_FI, "\t"), "latin-1")
    write("05_title_rows.csv", "Keski-Suomen sote-järjestöt\nPoimittu 1.10.2026\n\n"
          + csv_text(H_FI, ROWS_FI, ";"))
    write("06_swedish_headers.csv", csv_text(
        ["Föreningens namn", "Registernummer", "FO-nummer", "Registreringsdatum", "Hemort", "Syfte",
         "Medlemmar"],
        [["Folkhälsan i Jakobstad rf", "200.001", "", "1.1.1960", "Jakobstad", "Främja hälsa", "200"],
         ["Pensionärsföreningen i Raseborg rf", "200.002", "", "1.1.1970", "Raseborgs stad", "", "90"],
         ["Mariehamns hjärtförening rf", "200.003", "", "1.1.1980", "Mariehamn", "", "40"]], ";"))
    write("07_english_headers.csv", csv_text(
        ["Name", "Registration number", "Business ID", "Registered", "Municipality", "Sector",
         "Paid staff", "Members", "Volunteers", "Produces services"],
        [["Tampere Mental Health Association", "300.001", "", "2010-01-01", "Tampere",
          "mental_substance", "3", "120", "15", "yes"],
         ["Oulu Carers", "300.002", "", "2015-06-30", "Oulu", "carers", "0", "60", "10", "no"]]))
    write("08_unknown_columns.csv", csv_text(
        [*H_FI[:5], "Puheenjohtaja", "Sähköposti", "Puhelin", "Verkkosivu"],
        [[*r[:5], "Matti Meikäläinen", "matti@example.fi", "040 123 4567", "https://example.fi"]
         for r in ROWS_FI]))
    write("09_bad_dates.csv", csv_text(H_FI[:5], [
        ["A ry", "400.001", "", "31.2.2003", "Helsinki"],
        ["B ry", "400.002", "", "2099-01-01", "Helsinki"],
        ["C ry", "400.003", "", "eilen", "Helsinki"],
        ["D ry", "400.004", "", "15.6.1999", "Helsinki"]]))
    write("10_bad_business_ids.csv", csv_text(H_FI[:5], [
        ["A ry", "410.001", "0737546-3", "", "Espoo"],
        ["B ry", "410.002", "abc", "", "Espoo"],
        ["C ry", "410.003", "07375462", "", "Espoo"],
        ["D ry", "410.004", "0737546-2", "", "Espoo"]]))
    write("11_duplicates.csv", csv_text(H_FI[:5], [
        ["Kuopion Sydänyhdistys ry", "420.001", "1572860-0", "", "Kuopio"],
        ["Kuopion Sydänyhdistys ry (kopio)", "420.001", "", "", "Kuopio"],
        ["Toinen ry", "420.003", "1572860-0", "", "Kuopio"],
        ["Kylän Eläkeläiset ry", "420.004", "", "", "Kuopio"],
        ["KYLÄN ELÄKELÄISET RY", "420.005", "", "", "Kuopio"]]))
    write("12_unknown_municipality.csv", csv_text(H_FI[:5], [
        ["A ry", "", "", "", "Atlantis"], ["B ry", "", "", "", "Gotham City"],
        ["C ry", "", "", "", "999"], ["D ry", "", "", "", "Turku"], ["E ry", "", "", "", ""]]))
    write("13_merged_municipality.csv", csv_text(H_FI[:5], [
        ["Jämsänkosken Eläkkeensaajat ry", "", "", "", "Jämsänkoski"],
        ["Karis Folkhälsan rf", "", "", "", "Karis"],
        ["Pertunmaan VPK ry", "", "", "", "Pertunmaa"],
        ["Valtimon Kuulo ry", "", "", "", "Valtimo"],
        ["Honkajoen Eläkeläiset ry", "", "", "", "099"],
        ["Nastolan Sydänyhdistys ry", "", "", "", "Nastola"]]))
    write("14_misspelt_municipality.csv", csv_text(H_FI[:5], [
        ["A ry", "", "", "", "Jyväskyylä"], ["B ry", "", "", "", "Helsinkki"],
        ["C ry", "", "", "", "Kuopoi"], ["D ry", "", "", "", "Vaasaa"]]))
    write("15_empty.csv", "")
    write("16_header_only.csv", ";".join(H_FI) + "\n")
    (OUT / "17_binary_garbage.csv").write_bytes(bytes(range(256)) * 20)
    wide = [list(r) for r in ROWS_FI]
    wide[1] = wide[1] + ["x"] * 31
    write("18_wide_row.csv", csv_text(H_FI, wide))
    wb = Workbook()
    ws = wb.active
    ws.title = "Yhdistykset"
    ws.append(["Sote-järjestöt 2026"])
    ws.append([])
    ws.append(H_FI)
    import datetime as dt
    for r in ROWS_FI:
        row = list(r)
        d = row[3]
        row[3] = dt.datetime(int(d[-4:]), int(d.split(".")[1]), int(d.split(".")[0])) if "." in d else d
        row[6], row[7] = int(row[6]), int(row[7])
        ws.append(row)
    wb.save(OUT / "19_excel_title_rows.xlsx")
    wb = Workbook()
    wb.active.title = "Ohjeet"
    wb.active.append(["Tämä välilehti on ohje."])
    ws = wb.create_sheet("Rekisteri")
    ws.append(["namn", "hemkommun", "medlemmar"])
    ws.append(["Närpes pensionärer rf", "Närpes", 120])
    ws.append(["Korsholms FBK rf", "Korsholm", 35])
    wb.save(OUT / "20_excel_named_sheet.xlsx")
    write("21_codes_without_zeros.csv", csv_text(["nimi", "kuntakoodi"], [
        ["Helsingin A ry", "91"], ["Alajärven B ry", "5"], ["Espoon C ry", "049"], ["D ry", "91.0"]]))
    write("22_counts_with_units.csv", csv_text(["nimi", "kunta", "jäsenet", "työntekijät", "vapaaehtoiset"], [
        ["A ry", "Lahti", "1 200", "12 hlö", "3,0"], ["B ry", "Lahti", "-3", "0", ""],
        ["C ry", "Lahti", "2,5", "1", "many"], ["D ry", "Lahti", "1\u00a0050", "0", "7"]], ";"))
    write("23_no_municipality_column.csv", csv_text(["nimi", "jäsenet"], [["A ry", "10"]]))
    write("24_excel_serial_dates.csv", csv_text(["nimi", "kotipaikka", "rekisteröintipäivä"], [
        ["A ry", "Pori", "37653"], ["B ry", "Pori", "2003-02-01 00:00:00"]]))
    write("25_case_and_spaces.csv", csv_text(["NIMI", " KOTIPAIKKA "], [
        ["A ry", "  HELSINKI "], ["B ry", "pedersören kunta"], ["C ry", "Koski Tl"],
        ["D ry", "Mänttä-Vilppula"], ["E ry", "mantta vilppula"]]))
    write("26_trailing_empty.csv", csv_text([*H_FI[:5], "", ""], [[*r[:5], "", ""] for r in ROWS_FI]
                                            + [[""] * 7, [""] * 7], ";"))
    write("27_unknown_sector.csv", csv_text(["nimi", "kunta", "toimiala"], [
        ["A ry", "Oulu", "elderly"], ["B ry", "Oulu", "golf"]]))

    nfd = "Ma\u0308ntyharju"
    write("28_nfd_names.csv", csv_text(["nimi", "kotipaikka"], [
        [f"{nfd}n Eläkkeensaajat ry", nfd], ["Ja\u0308msa\u0308n VPK ry", "Ja\u0308msa\u0308"]]))
    write("29_zero_width_rtl.csv", csv_text(["nimi", "kotipaikka"], [
        ["Hel\u200bsingin Sydänyhdistys ry", "Hel\u200bsinki"], ["\u202eTurun Kuulo ry", "\u202eTurku"],
        ["Oulun\u200f Omaishoitajat ry", "Ou\u2060lu"], ["Espoon\ufeff Työttömät ry", "Espoo\u00ad"]]))
    write("30_html_everywhere.csv", csv_text(["nimi", "kotipaikka", "tarkoitus", "rekisterinumero"], [
        ["<img src=x onerror=alert(1)>", "Oulu", "<script>alert(1)</script>", "500.001"],
        ["Oulun <b>Sydän</b>yhdistys ry", "Oulu", "<a href=javascript:alert(1)>x</a>", "<i>500.002</i>"],
        ["C ry", "<b>Oulu</b>", "", "500.003"]]))
    write("31_formula_injection.csv", csv_text(["nimi", "kotipaikka", "tarkoitus"], [
        ["=cmd|' /C calc'!A0", "Vaasa", "=HYPERLINK(\"http://x\")"], ["+SUM(1;1)", "Vaasa", "@SUM(A1)"],
        ["-2+3", "Vaasa", "-"], ["@Vaasan Sydänyhdistys ry", "Vaasa", "+358"]], ","))
    write("32_thousands_and_units.csv", csv_text(["nimi", "kunta", "jäsenet", "työntekijät", "vapaaehtoiset"], [
        ["A ry", "Pori", "1 200 jäsentä", "2 hlöä", "3 kpl"], ["B ry", "Pori", "2\u202f500", "15 hlö", "1\u00a0000"],
        ["C ry", "Pori", "12 345", "0", "7 henkilöä"]], ";"))
    write("33_nfc_nfd_duplicates.csv", csv_text(["nimi", "kotipaikka"], [
        ["Mäntyharjun Eläkeläiset ry", "Mäntyharju"], ["Ma\u0308ntyharjun Eläkeläiset ry", "Mäntyharju"]]))


if __name__ == "__main__":
    main()
