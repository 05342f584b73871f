import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """No database here: the deadline engine and `rrm-timeline` are pure.

    Overrides the project-wide autouse fixture of the same name, which asks for
    the database; without it, any database access in these tests fails, which
    is the point.
    """
