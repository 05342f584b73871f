import pytest

from tests.support.actors import Staff, staff_member


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """No database here: the deadline engine and `rrm-timeline` are pure.

    Overrides the project-wide autouse fixture of the same name, which asks for
    the database; without it, any database access in these tests fails, which
    is the point.
    """


@pytest.fixture
def analyst(orgs) -> Staff:  # noqa: F811
    """A petition analyst of the Aguascalientes organisation."""
    return staff_member(orgs.agu, "ana", role="analyst")


@pytest.fixture
def analyst_pue(orgs) -> Staff:  # noqa: F811
    """A petition analyst of another organisation (Puebla)."""
    return staff_member(orgs.pue, "pablo", role="analyst")
