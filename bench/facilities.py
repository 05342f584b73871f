"""Facilities for `make bench`: a realistic generated registry and misspelt queries.

`registry(n)` makes `n` garment facilities the way Mexican supplier lists
name them: a trade word and a surname or a place ("Confecciones Hernández
Ruiz", "Textiles del Bajío"), invented brands ("Kalitex Jeans"), legal names
with their forms (S.A. de C.V., S. de R.L. de C.V., SAPI), addresses and
municipalities of the garment states, and a few other names. Names repeat as
they do in real lists (the same "Bordados García" in three towns). The same
seed gives the same registry, so runs compare; the import benchmark can write
it to a file.

`misspell(name)` writes a name as a worker might type it: letters dropped,
swapped or replaced by a neighbour on the keyboard, accents and case lost,
legal forms added or left out.
"""

from __future__ import annotations

import random
import unicodedata

from bench import drive as drive_kit

TRADE = [
    ("Confecciones", 14),
    ("Textiles", 10),
    ("Maquiladora", 10),
    ("Industrias", 6),
    ("Manufacturas", 4),
    ("Creaciones", 5),
    ("Diseños", 3),
    ("Bordados", 4),
    ("Uniformes", 4),
    ("Jeans", 3),
    ("Denim", 2),
    ("Moda", 3),
    ("Costuras", 3),
    ("Hilados", 2),
    ("Tejidos", 3),
    ("Prendas", 2),
    ("Grupo", 4),
    ("Corporativo", 1),
    ("Comercializadora", 2),
    ("Exportadora", 1),
    ("Taller de Costura", 3),
    ("Fábrica de Ropa", 2),
    ("Lavandería Industrial", 1),
    ("Maquila", 2),
    ("Playeras", 1),
    ("Pantalones", 1),
]
SURNAMES = (
    "García Hernández López Martínez González Pérez Rodríguez Sánchez Ramírez Cruz "
    "Flores Gómez Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza "
    "Aguilar Ortiz Moreno Castillo Romero Álvarez Méndez Chávez Rivera Juárez Ramos "
    "Domínguez Herrera Medina Castro Vargas Guzmán Velázquez Muñoz Rojas Contreras "
    "Salazar Luna Ortega Guerrero Estrada Bautista Cortés Soto Alvarado Espinoza Lara "
    "Ávila Ríos Cervantes Silva Delgado Vega Márquez Sandoval Fernández León Carrillo "
    "Mejía Solís Núñez Rosas Campos Santos Figueroa Cabrera Valdez Navarro Ibarra "
    "Acosta Miranda Trejo Pacheco Zamora Escobar Molina Orozco Valencia Nava Salinas "
    "Rangel Padilla Fuentes Ochoa Robles Serrano Cárdenas Camacho Galván Osorio Peña "
    "Tapia Villegas Maldonado Arellano Quintero Zúñiga Benítez Olvera Esquivel Macías "
    "Montes Ponce Bravo Huerta Ávalos Barrera Lozano Becerra Cisneros Beltrán Duarte"
).split()
GIVEN = (
    "Lupita Carmen Rosy Maru Chayo Lety Paty Juanita Toño Pepe Chuy Beto Lalo Nacho "
    "Memo Rosario Esperanza Guadalupe Dolores Socorro Alejandra Fernanda Ximena"
).split()
PLACES = [
    "del Valle",
    "del Bajío",
    "del Centro",
    "del Norte",
    "del Sur",
    "de Occidente",
    "del Golfo",
    "de la Sierra",
    "del Pacífico",
    "de Oriente",
    "Mexicana",
    "Internacional",
    "Hermanos",
    "y Asociados",
]
SYLLABLES = "ka te xi lo ma ri sa no vi ta la mo ne ra ti co do fi ge lu pa si ve zu ba ce ni ro".split()
BRAND_ENDINGS = ["tex", "mex", "sa", "fil", "lan", "tal", "ko", "", "", ""]
LEGAL_FORMS = [
    ("S.A. de C.V.", 10),
    ("S. de R.L. de C.V.", 5),
    ("SA de CV", 4),
    ("S.A.P.I. de C.V.", 1),
    ("S.C.", 1),
    ("S.A.", 1),
]
STATES = {
    "MX-PUE": (
        18,
        "Puebla Tehuacán Atlixco San Martín Texmelucan Huejotzingo Tepeaca "
        "Izúcar de Matamoros Ajalpan Zacatlán Teziutlán San Pedro Cholula",
    ),
    "MX-AGU": (
        12,
        "Aguascalientes Rincón de Romos Jesús María Calvillo Pabellón de Arteaga "
        "Asientos Tepezalá San Francisco de los Romo",
    ),
    "MX-GUA": (12, "León Moroleón Uriangato Celaya Irapuato Salamanca Yuriria"),
    "MX-JAL": (10, "Guadalajara Zapopan Tonalá Tlaquepaque Lagos de Moreno"),
    "MX-MEX": (10, "Naucalpan Tlalnepantla Ecatepec Toluca Chalco Texcoco"),
    "MX-CMX": (8, "Cuauhtémoc Iztapalapa Gustavo A. Madero Venustiano Carranza"),
    "MX-TLA": (6, "Tlaxcala Apizaco Huamantla Chiautempan Calpulalpan"),
    "MX-HID": (5, "Pachuca Tulancingo Tepeji del Río Tizayuca Actopan"),
    "MX-YUC": (4, "Mérida Umán Tekax Motul Ticul"),
    "MX-COA": (4, "Torreón Saltillo Monclova Piedras Negras"),
    "MX-DUR": (3, "Gómez Palacio Lerdo Durango"),
    "MX-CHH": (3, "Ciudad Juárez Chihuahua Delicias"),
    "MX-SON": (2, "Hermosillo Nogales Navojoa"),
    "MX-NLE": (3, "Monterrey Guadalupe Apodaca Santa Catarina"),
}
STREETS = (
    "Juárez Hidalgo Morelos Independencia Reforma Zaragoza Madero Allende Guerrero "
    "Aldama Revolución Insurgentes Constitución Obregón Carranza Victoria"
).split()
STREET_KINDS = ["Av.", "Calle", "Blvd.", "Carretera", "Privada", "Calz."]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w for w, _ in weighted], [n for _, n in weighted])[0]


def _brand(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3])))
    return (word + rng.choice(BRAND_ENDINGS)).capitalize()


def _name(rng: random.Random) -> str:
    trade = _pick(rng, TRADE)
    pattern = rng.random()
    if pattern < 0.30:
        return f"{trade} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
    if pattern < 0.45:
        return f"{trade} {rng.choice(SURNAMES)}"
    if pattern < 0.58:
        return f"{trade} {rng.choice(SURNAMES)} {rng.choice(PLACES)}"
    if pattern < 0.66:
        return f"{trade} {rng.choice(GIVEN)}"
    if pattern < 0.80:
        return f"{_brand(rng)} {trade}"
    if pattern < 0.92:
        return _brand(rng)
    return f"{trade} {_brand(rng)}"


def registry(n: int, seed: int = 4) -> list[dict[str, object]]:
    """`n` facility rows (the columns of `remedia import-facilities`, plus
    `aliases`)."""
    rng = random.Random(seed)
    states = [(code, weight) for code, (weight, _m) in STATES.items()]
    towns = {code: _towns(text) for code, (_w, text) in STATES.items()}
    rows: list[dict[str, object]] = []
    for i in range(n):
        name = _name(rng)
        state = _pick(rng, states)
        legal = ""
        if rng.random() < 0.5:
            base = name if rng.random() < 0.7 else f"{_brand(rng)} {_pick(rng, TRADE)}"
            legal = f"{base}, {_pick(rng, LEGAL_FORMS)}"
        aliases = []
        if rng.random() < 0.05:
            aliases.append(_brand(rng) if rng.random() < 0.5 else f"{name} planta 2")
        rows.append(
            {
                "name": name,
                "legal_name": legal,
                "address": (
                    f"{rng.choice(STREET_KINDS)} {rng.choice(STREETS)} "
                    f"{rng.randint(1, 2500)}, Col. {rng.choice(SURNAMES)}"
                ),
                "municipality": rng.choice(towns[state]),
                "state": state,
                "sector": "Confección de prendas de vestir",
                "workers": rng.choice([12, 25, 40, 80, 150, 300, 600, 1200]),
                "external_id": f"BENCH-{i:06d}",
                "aliases": aliases,
            }
        )
    return rows


def _towns(text: str) -> list[str]:
    # Town names of more than one word are joined by the lists above; split on
    # known first words instead of spaces.
    known = [
        "Rincón de Romos",
        "Jesús María",
        "Pabellón de Arteaga",
        "San Francisco de los Romo",
        "San Martín Texmelucan",
        "Izúcar de Matamoros",
        "San Pedro Cholula",
        "Lagos de Moreno",
        "Gustavo A. Madero",
        "Venustiano Carranza",
        "Tepeji del Río",
        "Piedras Negras",
        "Gómez Palacio",
        "Ciudad Juárez",
        "Santa Catarina",
    ]
    found = []
    for town in known:
        if town in text:
            found.append(town)
            text = text.replace(town, " ")
    return found + text.split()


_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "mb",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.35:
        return word[:i] + word[i + 1 :]
    if kind < 0.65:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    letter = word[i].lower()
    if letter in _NEIGHBOURS:
        return word[:i] + rng.choice(_NEIGHBOURS[letter]) + word[i + 1 :]
    return word[:i] + word[i + 1 :]


def misspell(name: str, rng: random.Random) -> str:
    """A name as a worker might type it (one or two typos, accents, case, legal
    forms)."""
    text = name.split(",")[0]
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    for i in rng.sample(long_words, min(len(long_words), rng.choice([1, 1, 2]))):
        words[i] = _typo(rng, words[i])
    text = " ".join(words)
    if rng.random() < 0.6:
        text = _strip_accents(text)
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.3:
        text += rng.choice([" SA de CV", " S.A. de C.V.", " s de rl", " sa"])
    return text


def queries(
    rows: list[dict[str, object]], count: int, seed: int = 31
) -> list[tuple[str, int]]:
    """(misspelt query, index of the intended row), for rows whose name is not
    shared by another facility: a name two facilities share cannot say which
    one is meant, whatever the search does."""
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    for row in rows:
        key = _strip_accents(str(row["name"])).lower()
        seen[key] = seen.get(key, 0) + 1
    unique = [
        i
        for i, row in enumerate(rows)
        if seen[_strip_accents(str(row["name"])).lower()] == 1
    ]
    picked = rng.sample(unique, min(count, len(unique)))
    return [(misspell(str(rows[i]["name"]), rng), i) for i in picked]


def _name_key(name: str, legal_name: str) -> str:
    # As Facility.save computes it; bulk_create does not call save().
    from remedia.facilities.normalise import normalise_name

    names = [normalise_name(name), normalise_name(legal_name)]
    return " ".join(dict.fromkeys(n for n in names if n))[:255]


def load(n: int, seed: int = 4) -> int:
    """Insert `registry(n)` into the configured database, indexed for search, in
    batches (run inside Django: `remedia shell`)."""
    from django.db import connection, transaction

    from remedia.facilities.models import Facility, FacilityAlias
    from remedia.facilities.services import facility_index_many

    if already_loaded(n):
        return Facility.objects.count()
    rows = registry(n, seed)
    for start in range(0, len(rows), 2000):
        facilities, aliases = [], []
        for row in rows[start : start + 2000]:
            facility = Facility(
                name=row["name"],
                legal_name=row["legal_name"],
                address=row["address"],
                municipality=row["municipality"],
                state=row["state"],
                sector=row["sector"],
                workers=row["workers"],
                external_id=row["external_id"],
                name_key=_name_key(str(row["name"]), str(row["legal_name"])),
            )
            facilities.append(facility)
            for alias in row["aliases"]:  # type: ignore[attr-defined]
                aliases.append(
                    FacilityAlias(
                        facility=facility,
                        name=alias,
                        name_key=_name_key(alias, ""),
                        source="bench",
                    )
                )
        with transaction.atomic():
            Facility.objects.bulk_create(facilities)
            FacilityAlias.objects.bulk_create(aliases)
            facility_index_many(facilities=facilities)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE facilities_facility")
            cursor.execute("VACUUM ANALYZE facilities_facilitysearchtoken")
            cursor.execute("VACUUM ANALYZE facilities_facilityalias")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Facility.objects.count()


# --- The search benchmark (`make bench`) ---------------------------------------------

FILL = r"""
import sys
sys.path.insert(0, {root!r})
from bench.facilities import load
print(load({n}))
"""


def fill(remedia: str, env: dict[str, str], root: str, n: int) -> None:
    """Load `registry(n)` into the database of `env`, unless it already holds
    it (the import benchmark may have imported the same rows)."""
    drive_kit.shell_load(
        remedia=remedia,
        env=env,
        script=FILL.format(root=root, n=n),
        what="facilities",
    )


def already_loaded(n: int) -> bool:
    from remedia.facilities.models import Facility

    return Facility.objects.filter(external_id__startswith="BENCH-").count() >= n


def drive_search(
    *,
    port: int,
    headers: dict[str, str],
    asked: list[tuple[str, str]],
    clients: int,
    seconds: float | None,
) -> tuple[list[float], int, int, int]:
    """Send the misspelt queries to `GET /api/v1/facilities` from `clients`
    threads, for `seconds` (cycling) or once through when None. Returns the
    latencies, errors, queries answered, and how many of them had the intended
    facility (by name: the queries are of names no other facility has) in the
    first five."""
    import json
    import threading
    from urllib.parse import quote

    found = 0
    lock = threading.Lock()
    path_of = {q: "/api/v1/facilities?q=" + quote(q) for q, _intended in asked}
    intended_of = {path_of[q]: intended for q, intended in asked}

    def request(index: int, n: int) -> drive_kit.Request | None:
        position = index + n * clients
        if seconds is None and position >= len(asked):
            return None
        q, _intended = asked[position % len(asked)]
        return ("GET", path_of[q], None, headers)

    def judge(request: drive_kit.Request, status: int, body: bytes) -> bool:
        nonlocal found
        if status != 200:
            return False
        names = [item["name"] for item in json.loads(body)["items"][:5]]
        if intended_of[request[1]] in names:
            with lock:
                found += 1
        return True

    latencies = drive_kit.http_loop(
        port=port, clients=clients, seconds=seconds, request=request, judge=judge
    )
    return latencies.samples, latencies.errors, len(latencies.samples), found


def search_rows(
    *,
    label: str,
    port: int,
    headers: dict[str, str],
    n: int,
    query_count: int,
    seconds: float,
) -> list[tuple[str, str, str, float | None, str]]:
    """The search figures as (measure, value, limit, ratio, note) rows."""
    rows = registry(n)
    asked = [(q, str(rows[i]["name"])) for q, i in queries(rows, query_count)]
    drive_search(port=port, headers=headers, asked=asked[:50], clients=4, seconds=None)
    one, errors, answered, found = drive_search(
        port=port, headers=headers, asked=asked, clients=1, seconds=None
    )
    many, errors8, answered8, _found8 = drive_search(
        port=port, headers=headers, asked=asked, clients=8, seconds=seconds
    )
    p95, p95_8 = drive_kit.percentile(one, 95), drive_kit.percentile(many, 95)
    recall = found / answered if answered else 0.0
    return [
        (
            f"Facility search p50 / p95, 1 client, {n:,} facilities ({label})",
            f"{drive_kit.percentile(one, 50) * 1000:.1f} / {p95 * 1000:.1f} ms",
            "p95 < 50 ms",
            p95 / 0.05,
            f"{answered} misspelt queries, {errors} errors",
        ),
        (
            f"Facility search p50 / p95, 8 clients ({label})",
            f"{drive_kit.percentile(many, 50) * 1000:.1f} / {p95_8 * 1000:.1f} ms",
            "p95 < 50 ms",
            p95_8 / 0.05,
            f"{answered8} requests, {errors8} errors",
        ),
        (
            f"Facility search: intended facility in top 5 ({label})",
            f"{recall * 100:.1f}%",
            "—",
            None,
            f"{found} of {answered} misspelt queries",
        ),
    ]


def sqlite_search_rows(
    *,
    remedia: str,
    env: dict[str, str],
    root: str,
    port: int,
    headers: dict[str, str],
    n: int,
    query_count: int,
    seconds: float,
    workers: str,
    threads: str,
) -> list[tuple[str, str, str, float | None, str]]:
    """The same search figures served from SQLite (the `make run` database)."""
    import http.client
    import shutil
    import signal
    import subprocess
    import tempfile
    import time

    data_dir = tempfile.mkdtemp(prefix="remedia-bench-sqlite-")
    sqlite_env = {
        **env,
        "DATABASE_URL": f"sqlite:///{data_dir}/bench.sqlite3",
        "REMEDIA_DATA_DIR": data_dir,
    }
    try:
        subprocess.run(
            [remedia, "migrate", "--noinput", "-v0"],
            env=sqlite_env,
            check=True,
            capture_output=True,
        )
        fill(remedia, sqlite_env, root, n)
        server = subprocess.Popen(
            [
                remedia,
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                workers,
                "--threads",
                threads,
            ],
            env=sqlite_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/healthz", headers=headers)
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.3)
            return search_rows(
                label="SQLite",
                port=port,
                headers=headers,
                n=n,
                query_count=query_count,
                seconds=seconds,
            )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
