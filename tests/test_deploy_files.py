"""The deployment files (deploy/) read and point at real things, checked on every `make test`
without Docker; `deploy/check.sh` builds the image and validates the compose file where a
Docker engine runs (issue 17 §2)."""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _program_targets(argv: list[str]) -> list[str]:
    """What a container's command starts: an ASGI/WSGI app, a Celery app or manage.py commands."""
    text = " ".join(argv)
    targets = re.findall(r"(ponton\.config\.\w+)(?::application)?", text)
    targets += [f"manage:{name}" for name in re.findall(r"manage\.py (\w+)", text)]
    return targets


def _check_target(target: str) -> None:
    if target.startswith("manage:"):
        assert target.removeprefix("manage:") in get_commands(), target
    else:
        importlib.import_module(target)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_services_start_what_exists():
    services = _compose()["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    started = []
    for name in ("migrate", "web", "worker", "beat"):
        command = services[name]["command"]
        targets = _program_targets(command if isinstance(command, list) else [command])
        assert targets, name
        started += targets
    for target in started:
        _check_target(target)
    assert "manage:migrate" in started and "ponton.config.asgi" in started


def test_compose_requires_the_secrets_and_holds_none():
    text = (DEPLOY / "compose.yaml").read_text()
    for required in ("SECRET_KEY", "POSTGRES_PASSWORD", "PLATFORM_DOMAIN", "EMAIL_HOST"):
        assert "${" + required + ":?" in text, required
    env = _compose()["x-ponton-env"]
    assert env["DJANGO_SETTINGS_MODULE"] == "ponton.config.settings.prod"
    assert env["SECRET_KEY"].startswith("${")


@pytest.mark.parametrize("manifest", sorted((DEPLOY / "k8s").glob("*.yaml")), ids=lambda p: p.name)
def test_kubernetes_manifests_read_and_start_what_exists(manifest):
    documents = [d for d in yaml.safe_load_all(manifest.read_text()) if d]
    assert documents
    for document in documents:
        assert {"apiVersion", "kind", "metadata"} <= set(document), manifest.name
        pod = document.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            argv = container.get("command", []) + container.get("args", [])
            targets = _program_targets(argv)
            assert targets, f"{manifest.name}: {container['name']} starts nothing we know"
            for target in targets:
                _check_target(target)


def test_dockerfile_copies_what_exists_and_starts_the_asgi_app():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+) ", dockerfile, flags=re.MULTILINE):
        assert (ROOT / source).exists(), source
    cmd = re.search(r"^CMD (.+)$", dockerfile, flags=re.MULTILINE)
    assert cmd and "ponton.config.asgi:application" in cmd.group(1)


def test_check_script_is_valid_bash_and_says_when_there_is_no_engine(tmp_path):
    script = DEPLOY / "check.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    # A PATH whose `docker` has no engine behind it: nothing is checked, exit 2, said in French.
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    result = subprocess.run(
        ["bash", str(script)],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Pas de moteur Docker" in result.stderr
