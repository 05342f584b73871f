"""Generated supplier lists full of near-identical names (issue 20).

A brand's or a labour authority's list of a garment region names dozens of
workshops that differ by one word in one municipality: "Textiles García",
"Textiles García Norte", "Textiles García Premium", "Textiles Garza",
"Confecciones García". Each is a facility of its own, and an import must never
fold one into another. Lists also repeat a facility (the same row twice, or
written again in capitals, without accents, with extra spaces) and name two
plants with the same name in one town ("Textiles García, S.A. de C.V." and
"Textiles García SC" at different addresses).

`supplier_list(n)` makes `n` rows with that shape and says, for every row,
which facility it is (`truth`), so that a test can check that no two
facilities were joined and that no facility was made twice. `encode` writes
the rows as a CSV in UTF-8, UTF-8 with a byte-order mark or cp1252, with any
delimiter; `as_xlsx` as a workbook. The same seed gives the same list.

Run as a script to write a file for a benchmark by hand:

    python -m tests.facilities.supplier_lists OUT.csv 100000 [SEED] [ENCODING]
"""

from __future__ import annotations

import csv
import io
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

COLUMNS = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
)
SPANISH_COLUMNS = (
    "nombre",
    "razon_social",
    "direccion",
    "municipio",
    "estado",
    "sector",
    "trabajadores",
)

TRADES = (
    "Textiles",
    "Confecciones",
    "Maquiladora",
    "Prendas",
    "Hilados",
    "Jeans",
    "Bordados",
    "Creaciones",
    "Uniformes",
    "Costuras",
)
SURNAMES = (
    "García Garza Garcés Hernández Fernández Martínez Martín Álvarez Álvaro López "
    "Lozano Pérez Peña Rodríguez Ramírez Ramos Sánchez Sáenz Muñoz Núñez Ibáñez "
    "Ortiz Ortega Gómez Gámez Ruiz Ríos Cruz Cortés Díaz Díez Vázquez Velázquez "
    "Jiménez Giménez Chávez Juárez Suárez Méndez Meléndez Domínguez Rosas Rojas"
).split()
# What tells a workshop from its neighbour of the same family name.
SUFFIXES = (
    "Norte",
    "Sur",
    "Premium",
    "Hermanos",
    "e Hijos",
    "del Interior",
    "del Centro",
    "Planta 2",
    "Dos",
    "Express",
    "Moda",
    "Jeans",
    "Exportación",
    "Lupita",
    "Rosy",
)
DEMONYMS = {
    "MX-PUE": "Poblana",
    "MX-AGU": "Hidrocálida",
    "MX-GUA": "Guanajuatense",
    "MX-JAL": "Tapatía",
    "MX-TLA": "Tlaxcalteca",
    "MX-YUC": "Yucateca",
}
STATES = {
    "MX-PUE": ("Puebla", ("Tehuacán", "San Martín Texmelucan", "Atlixco", "Ajalpan")),
    "MX-AGU": ("Aguascalientes", ("Rincón de Romos", "Jesús María", "Calvillo")),
    "MX-GUA": ("Guanajuato", ("Moroleón", "Uriangato", "León")),
    "MX-JAL": ("Jalisco", ("Zapopan", "Tonalá")),
    "MX-TLA": ("Tlaxcala", ("Apizaco", "Huamantla")),
    "MX-YUC": ("Yucatán", ("Mérida", "Umán")),
}
LEGAL_FORMS = ("S.A. de C.V.", "SA de CV", "S. de R.L. de C.V.", "S.C.", "S.A.")
STREETS = (
    "Av. Juárez",
    "Calle Hidalgo",
    "Blvd. Reforma",
    "Carretera Federal",
    "5 de Mayo",
)


@dataclass
class SupplierList:
    """Rows ({column: text}, in file order) and, per row, the facility it is."""

    rows: list[dict[str, str]] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)
    # Rows that repeat an earlier row of the same facility, up to case,
    # accents and spacing (they must not make a second facility).
    restated: set[int] = field(default_factory=set)
    # Rows of a facility whose name, normalised, is another facility's in the
    # same municipality (the import may at most ask a person about them).
    homonyms: set[int] = field(default_factory=set)

    @property
    def facilities(self) -> int:
        return len(set(self.truth))

    def shuffled(self, seed: int) -> SupplierList:
        order = list(range(len(self.rows)))
        random.Random(seed).shuffle(order)
        return SupplierList(
            rows=[self.rows[i] for i in order],
            truth=[self.truth[i] for i in order],
            restated={order.index(i) for i in self.restated},
            homonyms={order.index(i) for i in self.homonyms},
        )


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _rewritten(rng: random.Random, text: str) -> str:
    """The same text as another person types it: case, accents, spacing."""
    how = rng.randrange(4)
    if how == 0:
        text = text.upper()
    elif how == 1:
        text = _strip_accents(text)
    elif how == 2:
        text = "  ".join(text.split()) + " "
    else:
        text = _strip_accents(text).lower()
    return text


def _family_names(rng: random.Random, state: str, surname: str) -> list[str]:
    """Distinct facilities' names around one family name in one town."""
    trade = rng.choice(TRADES)
    base = f"{trade} {surname}"
    names = [base]
    names += [f"{base} {s}" for s in rng.sample(SUFFIXES, rng.randint(3, 7))]
    if state in DEMONYMS:
        names.append(f"{base} {DEMONYMS[state]}")
    other_trade = rng.choice([t for t in TRADES if t != trade])
    names.append(f"{other_trade} {surname}")
    names.append(f"{base} {rng.choice(SURNAMES)}")
    return names


def _row(
    rng: random.Random, name: str, state: str, municipality: str
) -> dict[str, str]:
    state_name = STATES[state][0]
    legal = f"{name}, {rng.choice(LEGAL_FORMS)}" if rng.random() < 0.4 else ""
    return {
        "name": name,
        "legal_name": legal,
        "address": f"{rng.choice(STREETS)} {rng.randint(1, 3000)}",
        "municipality": municipality,
        # Lists give the state as a code, a name or a name without accents.
        "state": rng.choice((state, state_name, _strip_accents(state_name))),
        "sector": "Confección de prendas de vestir",
        "workers": str(rng.choice((8, 15, 25, 40, 60, 120, 250, 600))),
    }


def supplier_list(
    n: int, *, seed: int = 20, restate: float = 0.03, homonyms: float = 0.01
) -> SupplierList:
    """`n` rows: families of near-identical names in one municipality, a share
    `restate` of rows repeating an earlier facility (case, accents, spacing)
    and a share `homonyms` of facilities with another's normalised name."""
    rng = random.Random(seed)
    out = SupplierList()
    made: list[tuple[dict[str, str], int]] = []
    used: set[tuple[str, str, str]] = set()
    surnames = list(SURNAMES)
    while len(out.rows) < n:
        state = rng.choice(list(STATES))
        municipality = rng.choice(STATES[state][1])
        surname = rng.choice(surnames)
        # Every family number makes the whole name unique per town: the first
        # round uses bare surnames, later rounds add a second one.
        round_ = len(made) // (len(surnames) * 30)
        if round_:
            surname = f"{surname} {surnames[(len(made) + round_) % len(surnames)]}"
        for name in _family_names(rng, state, surname):
            if len(out.rows) >= n:
                break
            folded = (_strip_accents(name).lower(), municipality, state)
            if folded in used:
                continue
            used.add(folded)
            row = _row(rng, name, state, municipality)
            number = len(made)
            made.append((row, number))
            out.rows.append(row)
            out.truth.append(number)
            if len(out.rows) < n and rng.random() < homonyms:
                # Another plant of the same name in the same town.
                twin = _row(rng, name, state, municipality)
                twin["legal_name"] = f"{name}, {LEGAL_FORMS[-1]}"
                twin_number = len(made)
                made.append((twin, twin_number))
                out.homonyms.add(len(out.rows))
                out.rows.append(twin)
                out.truth.append(twin_number)
            if len(out.rows) < n and made and rng.random() < restate:
                earlier, number = rng.choice(made)
                again = {k: _rewritten(rng, v) if v else v for k, v in earlier.items()}
                out.restated.add(len(out.rows))
                out.rows.append(again)
                out.truth.append(number)
    return out


def encode(
    rows: Sequence[dict[str, str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    spanish: bool = False,
) -> bytes:
    """The rows as a CSV file: `encoding` "utf-8", "utf-8-sig" (with a BOM)
    or "cp1252" (Excel on Windows), Spanish headers if asked."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(SPANISH_COLUMNS if spanish else COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    return text.getvalue().encode(encoding)


def as_xlsx(rows: Sequence[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


if __name__ == "__main__":
    target = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    encoding = sys.argv[4] if len(sys.argv) > 4 else "utf-8"
    generated = supplier_list(count, seed=seed)
    with open(target, "wb") as out:
        out.write(encode(generated.rows, encoding=encoding))
    sys.stdout.write(
        f"{count} rows, {generated.facilities} facilities, "
        f"{len(generated.restated)} restated, {len(generated.homonyms)} homonyms\n"
    )
