"""Is this incoming record a facility we already know? Pure rules, no database.

Open Supply Hub matches a contributed list in two steps: an exact match on the
cleaned name and address, then a `dedupe` gazetteer score per candidate, with
automatic matching above 0.8 and a person confirming the band from 0.5. Remedia
keeps the shape and changes three things, for three failure modes of that
design on Mexican garment lists:

- **Generic words.** Most names are a garment word and a distinctive part
  ("Confecciones del Valle", "Maquiladora García"). A plain string ratio calls
  "Maquiladora García" and "Maquiladora Garza" 91% alike. Here the distinctive
  words (everything that is not a legal form, an article or one of the
  `GENERIC_WORDS` of the trade) must agree as well, or the name score is halved.
- **Missing data is not disagreement.** Supplier lists often lack an address or
  a municipality. A field missing on either side drops out and its weight goes
  to the others, instead of counting as a mismatch.
- **State is a hard boundary.** The same company runs plants in several states,
  and each plant is its own facility (the RRM is facility-specific), so a
  different state scores 0 whatever the name. A plant that moved is recorded as
  moved, not matched across states.

The score is in [0, 1]:

    0.60 x name + 0.20 x address + 0.20 x municipality     (state must agree)

Name carries most of the weight because it is the field every source has and
people recognise; address is free text written a dozen ways ("Carr.
Panamericana km 12", "Km 12 carretera a Zacatecas"), so it confirms more than
it decides; municipality is a categorical check that separates same-named
workshops in different towns of one state.

Thresholds (`AUTO_MATCH`, `REVIEW`) are checked by tests on realistic pairs
(tests/facilities/test_matching.py); see `classify`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal, Protocol

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from remedia.core.geo import fold, state_code
from remedia.facilities.normalise import name_tokens, normalise_address, normalise_name

# At or above: the record is that facility, no person needed. 0.90 is reached by
# the same name written differently (abbreviations, legal forms, accents, one or
# two typos) when the municipality agrees or is unknown, and not by a same-named
# facility in another municipality (0.75 at most) nor by two names that share
# only the garment word (below 0.65).
AUTO_MATCH = 0.90
# At or above (and below AUTO_MATCH): a person confirms or rejects. 0.65 keeps
# in the queue the same name in another municipality of the state, a longer or
# shorter form of the name ("Confecciones del Valle de Aguascalientes"), and
# the same name at a different address; it leaves out names whose distinctive
# words differ ("Maquiladora García" / "Maquiladora Garza": a new facility).
REVIEW = 0.65

NAME_WEIGHT = 0.60
ADDRESS_WEIGHT = 0.20
MUNICIPALITY_WEIGHT = 0.20

# Two distinctive words may be one word mistyped from this rapidfuzz ratio, and
# surely are from 10 more: "interor"/"interior" is 93, "hernadez"/"hernandez"
# 94, "rojas"/"rosas" 80, "garza"/"garcia" 73.
_SAME_WORD = 80.0

# Words of the trade that many unrelated facilities share; a match on them alone
# says little. Normalised forms (see normalise.normalise_name).
GENERIC_WORDS = frozenset(
    {
        "apparel",
        "bordados",
        "camisas",
        "comercializadora",
        "compania",
        "confecciones",
        "corporacion",
        "corporativo",
        "costura",
        "costuras",
        "creaciones",
        "denim",
        "disenos",
        "exportadora",
        "fabrica",
        "fashion",
        "grupo",
        "hermanos",
        "hilados",
        "hilos",
        "industrial",
        "industrias",
        "internacional",
        "jeans",
        "manufacturas",
        "manufacturera",
        "maquila",
        "maquiladora",
        "maquiladoras",
        "maquilas",
        "mexico",
        "mezclilla",
        "moda",
        "modas",
        "nave",
        "pantalones",
        "planta",
        "prendas",
        "productos",
        "ropa",
        "servicios",
        "taller",
        "talleres",
        "tejidos",
        "telas",
        "textiles",
        "uniformes",
        "vestir",
    }
)

_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=100_000)
def normalised(name: str) -> str:
    """`normalise_name`, remembered: the matcher compares the same candidate
    names row after row of an import."""
    return normalise_name(name or "")


@lru_cache(maxsize=20_000)
def _folded(text: str) -> str:
    return fold(text or "")


Kind = Literal["auto", "review", "new"]


class Candidate(Protocol):
    """What the matcher needs to know of an existing facility."""

    @property
    def name(self) -> str: ...
    @property
    def legal_name(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def municipality(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def alias_keys(self) -> Sequence[str]: ...


def _state(value: str) -> str:
    return (state_code(value) or fold(value).upper()) if value else ""


def record_key(*, name: str, municipality: str, state: str) -> str:
    """The key of an incoming record, for exact matching and remembered decisions.

    Two rows that differ only in how the name is written (case, accents, legal
    form, abbreviations) or how the state is given ("Aguascalientes", "MX-AGU")
    have the same key, so a person's decision about one applies to the other.
    """
    return "|".join(
        (normalise_name(name), fold(municipality or ""), _state(state or ""))
    )[:400]


@lru_cache(maxsize=50_000)
def _is_generic(word: str) -> bool:
    # A mistyped trade word ("industias", "confeciones") is still a trade word.
    return word in GENERIC_WORDS or (
        len(word) >= 5
        and process.extractOne(
            word, GENERIC_WORDS, scorer=fuzz.ratio, score_cutoff=_SAME_WORD + 5
        )
        is not None
    )


def distinctive_words(key: str) -> list[str]:
    """The words of a normalised name that tell one facility from another."""
    return [w for w in name_tokens(key) if not _is_generic(w)]


def _word_agreement(word: str, others: Sequence[str]) -> float:
    """How surely `word` is one of `others`: 1 the same, 0.9 a small typo in a
    long word ("hernadez"), 0.6 one letter off in a short one ("rojas" /
    "rosas": a typo or another surname, which a person should tell), else 0."""
    best = 0.0
    for other in others:
        if other == word:
            return 1.0
        ratio = fuzz.ratio(word, other)
        if ratio >= _SAME_WORD + 10:
            best = max(best, 0.9)
        elif ratio >= _SAME_WORD or OSA.distance(word, other) <= 1:
            best = max(best, 0.6)
    return best


def _distinctive_agreement(a: str, b: str) -> float | None:
    """How well the distinctive words of two names agree, in [0, 1], counting
    the words of both names; None when neither has any (both are made of
    trade words only).

    Counting both sides means an extra distinctive word ("Creaciones Martínez"
    against "Creaciones Martínez López") lowers the agreement to 2/3: perhaps
    the same workshop, perhaps a relative's, which is for a person to say.
    """
    da, db = distinctive_words(a), distinctive_words(b)
    if not da and not db:
        return None
    found = sum(_word_agreement(w, db) for w in da)
    found += sum(_word_agreement(w, da) for w in db)
    return found / (len(da) + len(db))


def name_similarity(a: str, b: str) -> float:
    """How alike two *normalised* names are, in [0, 1].

    `token_set_ratio` forgives word order and a name that is a subset of the
    other ("INISA" in "INISA planta de mezclilla"); `token_sort_ratio` takes
    back part of that when the other name has more words, so the closer length
    ranks first. WRatio was tried and left out: its partial-match scaling gives
    90 to any name that is a prefix of a longer one ("Confecciones" against
    "Confecciones del Valle"). Then the distinctive words must agree: with none
    in common the score is halved.
    """
    if not a or not b:
        return 0.0
    base = (0.6 * fuzz.token_set_ratio(a, b) + 0.4 * fuzz.token_sort_ratio(a, b)) / 100
    agreement = _distinctive_agreement(a, b)
    if agreement is None:
        return base
    return base * (0.5 + 0.5 * agreement)


def address_similarity(a: str, b: str) -> float | None:
    """How alike two addresses are, in [0, 1]; None when either is missing.

    Street numbers matter more than their share of the characters: "Av. Juárez
    120" and "Av. Juárez 210" are different buildings, so numbers that do not
    overlap at all cut the score.
    """
    na, nb = normalise_address(a or ""), normalise_address(b or "")
    if not na or not nb:
        return None
    sim = (
        0.5 * fuzz.token_set_ratio(na, nb) + 0.5 * fuzz.token_sort_ratio(na, nb)
    ) / 100
    numbers_a, numbers_b = set(_DIGITS.findall(na)), set(_DIGITS.findall(nb))
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        sim *= 0.4
    return sim


def municipality_similarity(a: str, b: str) -> float | None:
    """1 for the same municipality (accents and case aside, or one typo), else 0;
    None when either is missing."""
    fa, fb = _folded(a), _folded(b)
    if not fa or not fb:
        return None
    return 1.0 if fa == fb or fuzz.ratio(fa, fb) >= 90 else 0.0


def best_name_similarity(name_key: str, candidate: Candidate) -> float:
    """The incoming name against the best of the candidate's names."""
    names = [normalised(candidate.name), normalised(candidate.legal_name)]
    names.extend(candidate.alias_keys)
    return max((name_similarity(name_key, n) for n in names if n), default=0.0)


def score(
    *,
    name: str,
    address: str,
    municipality: str,
    state: str,
    candidate: Candidate,
) -> float:
    """How likely the incoming record is the candidate facility, in [0, 1].

    Weights and reasons in the module docstring. A state given on both sides
    and different gives 0: no name, however alike, makes two plants in two
    states one facility. A state missing on the record (a report that does not
    say) is no evidence either way.
    """
    ours, theirs = _state(state or ""), _state(candidate.state or "")
    if ours and theirs and ours != theirs:
        return 0.0
    parts = [(NAME_WEIGHT, best_name_similarity(normalised(name), candidate))]
    address_sim = address_similarity(address, candidate.address)
    if address_sim is not None:
        parts.append((ADDRESS_WEIGHT, address_sim))
    municipality_sim = municipality_similarity(municipality, candidate.municipality)
    if municipality_sim is not None:
        parts.append((MUNICIPALITY_WEIGHT, municipality_sim))
    total = sum(weight for weight, _ in parts)
    return round(sum(weight * sim for weight, sim in parts) / total, 4)


def classify(value: float) -> Kind:
    """What to do with a record whose best candidate scored `value`."""
    if value >= AUTO_MATCH:
        return "auto"
    if value >= REVIEW:
        return "review"
    return "new"
