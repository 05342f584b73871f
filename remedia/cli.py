"""The `remedia` command: Django's management entry for this project.

Remedia's own commands are spelt with hyphens (`remedia seed-demo`), as the
product's contracts name them; Django modules cannot be, so the hyphens are
mapped to underscores here, and `remedia help` lists every command the way the
docs spell it.
"""

from __future__ import annotations

import os
import sys

from django.core.management import ManagementUtility


def spelt(command: str) -> str:
    """A command's name as the docs and `remedia help` spell it."""
    return command.replace("_", "-")


class RemediaUtility(ManagementUtility):
    """Django's utility, with the command list in the docs' spelling."""

    def main_help_text(self, commands_only: bool = False) -> str:
        text = super().main_help_text(commands_only=commands_only)
        if commands_only:
            return "\n".join(spelt(line) for line in text.splitlines())
        lines = []
        for line in text.splitlines():
            name = line.strip()
            # Command entries are indented names; headers, usage and notes are not.
            if line.startswith("    ") and name.isidentifier():
                line = "    " + spelt(name)
            lines.append(line)
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "remedia.config.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        # `remedia help seed-demo` names the command as the docs do.
        if argv[1] == "help" and len(argv) > 2 and not argv[2].startswith("-"):
            argv[2] = argv[2].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured

    try:
        RemediaUtility(argv).execute()
    except ImproperlyConfigured as exc:
        print(f"remedia: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
