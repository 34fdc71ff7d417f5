"""Production settings: ``check --deploy`` is clean, and without their keys the app refuses to
start; the embedded defaults (DEBUG on, ``make demo``) still serve plain HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.security.environment import TEST_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-key-9d2f7b1c4e6a8d0f3b5c7e9a1d3f5b7c9e1a3d5f",
    "CREDENTIALS_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "crm.example.com",
}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``args`` in a fresh process, with only ``env`` on top of the machine's environment (none
    of the test run's own settings)."""
    base = {k: v for k, v in os.environ.items() if k not in {*TEST_ENVIRONMENT, *PRODUCTION}}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def settings_of(env: dict[str, str], *names: str) -> dict:
    code = f"from django.conf import settings; import json; print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    done = run("-c", f"import django; django.setup(); {code}", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_is_clean_with_production_settings():
    done = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_production_defaults_are_secure():
    found = settings_of(
        PRODUCTION,
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    )
    assert found == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }


def test_behind_a_proxy_the_forwarded_scheme_is_trusted_only_when_named():
    assert settings_of({**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "SECURE_PROXY_SSL_HEADER") == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]
    }
    assert settings_of(PRODUCTION, "SECURE_PROXY_SSL_HEADER") == {"SECURE_PROXY_SSL_HEADER": None}


def test_embedded_defaults_with_debug_serve_plain_http_with_development_keys():
    found = settings_of({"DEBUG": "true"}, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS")
    assert found == {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 0}


@pytest.mark.parametrize("name", ["SECRET_KEY", "CREDENTIALS_KEYS"])
def test_production_refuses_to_start_without_a_key(name):
    env = {k: v for k, v in PRODUCTION.items() if k != name}
    done = run("manage.py", "check", env=env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert f"{name} is not set" in done.stderr


def test_a_malformed_credentials_key_is_refused_by_position():
    done = run("manage.py", "check", env={**PRODUCTION, "CREDENTIALS_KEYS": f"{PRODUCTION['CREDENTIALS_KEYS']},short"})
    assert done.returncode != 0
    assert "CREDENTIALS_KEYS: key 2 is not a Fernet key" in done.stderr


def test_the_wsgi_application_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    done = run("-c", "import config.wsgi", env=env)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr
