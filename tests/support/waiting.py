"""Reading the home page's "what waits" counts and the lists they lead to."""

from __future__ import annotations

import re

HOME = "/staff/"


def waiting_on_home(html: str, key: str) -> tuple[int, str]:
    """The count shown for `key` and the URL it links to."""
    match = re.search(
        rf'data-waiting="{re.escape(key)}"><a href="([^"]+)"><span class="n">(\d+)',
        html,
    )
    assert match, key
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def table_rows(html: str) -> int:
    """Data rows of a list's table (not the one "nothing here" row)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return len(re.findall(r"<tr(?![^>]*>\s*<td colspan)", body))
