"""The key that signs sessions is never one written in the code (issue 12, item 1): a serving app refuses a missing,
known or short key with a message saying how to set one; ``motcua setup`` writes a random one (0600) that the app
reads; gunicorn itself refuses to start without it."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from api import create_app
from api.secret import SecretKeyError, ensure_file

SERVE = {"SECRET_KEY_REQUIRED": True}
ROOT = Path(__file__).resolve().parents[2]


def test_the_code_holds_no_default_key(services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"SECRET_KEY_FILE": str(tmp_path / "none")}, services=services)
    assert app.config["SECRET_KEY"] is None  # not "dev-only-change-me": sessions are unavailable, not forgeable
    assert "dev-only-change-me" not in (ROOT / "api" / "app.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("key, why", [
    (None, "Chưa có khóa bí mật"),
    ("dev-only-change-me", "giá trị mặc định"),
    ("x" * 31, "quá ngắn (31 ký tự"),
])
def test_a_serving_app_refuses_a_bad_key(services, tmp_path, key, why) -> None:  # type: ignore[no-untyped-def]
    config = {**SERVE, "SECRET_KEY_FILE": str(tmp_path / "secret_key")}
    if key:
        config["SECRET_KEY"] = key
    with pytest.raises(SecretKeyError) as refused:
        create_app(config, services=services)
    assert why in str(refused.value) and "MOTCUA_SECRET_KEY" in str(refused.value) and "motcua setup" in str(refused.value)


def test_setup_writes_a_private_random_key_that_the_app_reads(services, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``motcua setup``'s last step (the step alone: the whole command would apply the decisions to the shared test
    database; the make-run path of .ci/run runs the whole command)."""
    import inspect

    from api import cli

    assert "_secret_key()" in inspect.getsource(cli.setup_command.callback)
    path = tmp_path / "instance" / "secret_key"
    app = create_app({"SECRET_KEY_FILE": str(path)}, services=services)
    with app.app_context():
        cli._secret_key()
    assert "Đã tạo khóa bí mật" in capsys.readouterr().out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text(encoding="utf-8").strip()
    assert len(key) >= 60
    served = create_app({**SERVE, "SECRET_KEY_FILE": str(path)}, services=services)
    assert served.config["SECRET_KEY"] == key
    assert not ensure_file(path) and path.read_text(encoding="utf-8").strip() == key  # a second setup keeps it
    other = tmp_path / "other"
    ensure_file(other)
    assert other.read_text() != path.read_text()  # random, not derived


def test_the_environment_key_wins(services, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = secrets.token_urlsafe(40)
    monkeypatch.setenv("MOTCUA_SECRET_KEY", key)
    app = create_app({**SERVE, "SECRET_KEY_FILE": str(tmp_path / "absent")}, services=services)
    assert app.config["SECRET_KEY"] == key


def _gunicorn(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    environ.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **env)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.run([str(gunicorn), "--check-config", "-b", "127.0.0.1:0", "api:create_app()"],
                          cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)


def test_gunicorn_refuses_to_start_without_a_usable_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = _gunicorn(tmp_path, MOTCUA_SECRET_KEY_FILE=str(tmp_path / "absent"))
    assert missing.returncode != 0 and "MOTCUA_SECRET_KEY" in missing.stderr + missing.stdout
    short = _gunicorn(tmp_path, MOTCUA_SECRET_KEY="too-short")
    assert short.returncode != 0 and "quá ngắn" in short.stderr + short.stdout
    good = _gunicorn(tmp_path, MOTCUA_SECRET_KEY=secrets.token_urlsafe(48))
    assert good.returncode == 0, good.stderr


def test_motcua_run_refuses_without_a_key_and_other_commands_still_work(tmp_path) -> None:  # type: ignore[no-untyped-def]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    environ.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                   MOTCUA_SECRET_KEY_FILE=str(tmp_path / "absent"))
    motcua = [sys.executable, "-c", "from api.cli import main; main()"]
    run = subprocess.run([*motcua, "run", "--port", "0"], cwd=tmp_path, env=environ, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0 and "MOTCUA_SECRET_KEY" in run.stderr and "motcua setup" in run.stderr
    routes = subprocess.run([*motcua, "routes"], cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)
    assert routes.returncode == 0 and "/tai-khoan" in routes.stdout, routes.stderr
