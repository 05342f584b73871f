"""The deployment files in deploy/ are valid for the tools that read them.

systemd's own checker verifies the three units and nginx parses the site (with
a throw-away certificate), as CI installs them from Debian's packages; the
commands the units start exist with the options they pass; the proxy logs no
client address, user agent, referrer or path and tells the app no address.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

import pytest
from django.core.management import load_command_class

from tests.support.cli import PROJECT_DIR, REMEDIA

DEPLOY = PROJECT_DIR / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SITE = DEPLOY / "nginx" / "remedia.conf"
INSTALLED_REMEDIA = "/opt/remedia/venv/bin/remedia"
COMMAND_APPS = {
    "serve": "remedia.core",
    "worker": "remedia.core",
    "smtpd": "remedia.intake",
}


def _tool(name: str) -> str:
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)),
        None,
    )
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required under CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed on this machine")
    return path


def test_there_is_a_unit_for_the_server_the_worker_and_the_mail_listener():
    assert [u.name for u in UNITS] == [
        "remedia-serve.service",
        "remedia-smtpd.service",
        "remedia-worker.service",
    ]


def test_systemd_verifies_every_unit(tmp_path):
    analyze = _tool("systemd-analyze")
    # The units start the installed program; here, this checkout's.
    units = tmp_path / "units"
    units.mkdir()
    for unit in UNITS:
        text = unit.read_text().replace(INSTALLED_REMEDIA, str(REMEDIA))
        (units / unit.name).write_text(text)
    done = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(p) for p in units.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in done.stderr.splitlines() if "remedia" in line]
    assert done.returncode == 0, done.stderr
    assert ours == []


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_each_unit_starts_a_command_with_options_it_has(unit):
    exec_start = re.search(r"^ExecStart=(.+)$", unit.read_text(), re.M)
    assert exec_start is not None
    argv = shlex.split(exec_start.group(1))
    assert argv[0] == INSTALLED_REMEDIA
    name, options = argv[1], argv[2:]
    command = load_command_class(COMMAND_APPS[name], name)
    parsed = command.create_parser("remedia", name).parse_args(options)
    assert parsed is not None


def test_units_run_unprivileged_and_write_only_the_data_directory():
    for unit in UNITS:
        text = unit.read_text()
        assert "User=remedia" in text
        assert "NoNewPrivileges=yes" in text
        assert "ProtectSystem=strict" in text
        assert re.findall(r"^ReadWritePaths=(.+)$", text, re.M) == ["/var/lib/remedia"]
    worker = (DEPLOY / "systemd" / "remedia-worker.service").read_text()
    # huey stops gracefully on SIGINT only.
    assert "KillSignal=SIGINT" in worker


def test_nginx_accepts_the_site(tmp_path):
    nginx = _tool("nginx")
    openssl = _tool("openssl")
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=remedia.example.org",
            "-keyout", str(tmp_path / "privkey.pem"),
            "-out", str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    site = (
        SITE.read_text()
        .replace("/etc/ssl/remedia/", f"{tmp_path}/")
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "remedia.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        "error_log stderr;\n"
        "events {}\n"
        f"http {{ include {tmp_path}/remedia.conf; }}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_the_proxy_logs_no_one_and_tells_the_app_no_address():
    site = SITE.read_text()
    log_formats = re.findall(r"log_format\s+\w+\s+((?:'[^']*'\s*)+);", site)
    assert len(log_formats) == 1
    for variable in (
        "$remote_addr", "$http_x_forwarded_for", "$http_user_agent",
        "$http_referer", "$request", "$uri", "$args", "$query_string",
        "$remote_user", "$request_uri",
    ):  # fmt: skip
        assert not re.search(re.escape(variable) + r"\b", log_formats[0]), variable
    access_logs = re.findall(r"^\s*access_log\s+([^;]+);", site, re.M)
    assert access_logs
    for log in access_logs:
        assert log == "off" or log.endswith(" remedia_private"), log
    assert set(re.findall(r"error_log\s+\S+\s+(\w+);", site)) == {"crit"}
    assert 'proxy_set_header X-Forwarded-For "";' in site
    assert 'proxy_set_header X-Real-IP "";' in site
    assert "proxy_set_header X-Forwarded-Proto https;" in site
