"""The suite's root: every shared fixture and hook lives in tests/support/.

Nothing is imported from a conftest or a test module: fixtures registered here
are available in every test directory by name.
"""

pytest_plugins = [
    "tests.support.plugin",
    "tests.support.fixtures",
    "tests.support.intake",
    "tests.support.mail",
    "tests.support.cli",
    "tests.support.remediation",
    "tests.support.protection",
    "tests.support.coordination",
]
