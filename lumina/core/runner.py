"""`make run` (and `make dev`): the whole app on the embedded defaults, in one command.

Starts supervisord (pip ``supervisor``) with the embedded PostgreSQL's keeper
(lumina.core.embedded), waits for the database, migrates, makes the first operator
account, collects the static files, then adds web (gunicorn with uvicorn workers, as
in production; ``--dev``: Django's runserver with autoreload and DEBUG), the Celery
worker and Celery beat. supervisord restarts whatever exits, with backoff, and gives
up on a process that keeps crashing (``/readyz`` then names it). Ctrl-C stops the
processes, then the database, and exits 0. Run as ``python -m lumina.core.runner``.

The terminal shows the start-up, then a box with the address and the login, and after
that only what the supervisor does (a process that exited, restarted or was given
up on): the logs of every process are in ``var/log/``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# supervisord's state for a process it stopped restarting because it kept crashing.
GIVEN_UP = frozenset({"FATAL"})
SUPERVISOR_USER = "lumina"
START_TIMEOUT = 300


# --- talking to supervisord -----------------------------------------------------------


def _rpc(socket_path: str, password: str | None = None, timeout: float = 3.0) -> Any:
    # bandit B411: the XML comes from our own supervisord on a private Unix socket (0700)
    import xmlrpc.client  # nosec B411

    from supervisor.xmlrpc import SupervisorTransport, UnixStreamHTTPConnection

    class _Connection(UnixStreamHTTPConnection):
        def connect(self) -> None:
            super().connect()
            self.sock.settimeout(timeout)

    transport = SupervisorTransport(
        SUPERVISOR_USER,
        password if password is not None else os.environ.get("LUMINA_SUPERVISOR_PASSWORD", ""),
        f"unix://{socket_path}",
    )

    def connection() -> _Connection:
        conn = _Connection("localhost")
        conn.socketfile = socket_path
        return conn

    transport._get_connection = connection
    return xmlrpc.client.ServerProxy("http://localhost", transport=transport)


def supervisor_states(socket_path: str, password: str | None = None) -> dict[str, str]:
    """Process name -> supervisord state (RUNNING, BACKOFF, FATAL, ...)."""
    infos = _rpc(socket_path, password).supervisor.getAllProcessInfo()
    return {info["name"]: info["statename"] for info in infos}


# --- configuration --------------------------------------------------------------------


def _quote_env(value: str) -> str:
    return '"' + value.replace("%", "%%").replace('"', '\\"') + '"'


def _program(
    name: str,
    command: list[str],
    *,
    log_dir: Path,
    priority: int,
    startsecs: int,
    startretries: int,
    stopwaitsecs: int,
    stopsignal: str = "TERM",
    stopasgroup: bool = False,
    environment: dict[str, str] | None = None,
) -> str:
    lines = [
        f"[program:{name}]",
        "command=" + shlex.join(command).replace("%", "%%"),
        f"directory={BASE_DIR}",
        f"priority={priority}",
        "autostart=true",
        "autorestart=true",
        # A process that dies within startsecs of starting is started again after 1, 2,
        # 3 ... seconds; after startretries such deaths in a row it is given up on (FATAL).
        f"startsecs={startsecs}",
        f"startretries={startretries}",
        f"stopsignal={stopsignal}",
        f"stopwaitsecs={stopwaitsecs}",
        f"stopasgroup={'true' if stopasgroup else 'false'}",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={log_dir / f'{name}.log'}",
        "stdout_logfile_maxbytes=20MB",
        "stdout_logfile_backups=3",
    ]
    if environment:
        pairs = ",".join(f"{k}={_quote_env(v)}" for k, v in environment.items())
        lines.append(f"environment={pairs}")
    return "\n".join(lines) + "\n"


def _supervisord_conf(run_dir: Path, log_dir: Path, password: str) -> str:
    user = "user=root\n" if os.geteuid() == 0 else ""  # says so, instead of a CRIT line
    return (
        "[unix_http_server]\n"
        f"file={run_dir / 'supervisor.sock'}\n"
        "chmod=0700\n"
        f"username={SUPERVISOR_USER}\n"
        f"password={password}\n"
        "\n[supervisord]\n"
        "nodaemon=true\n"
        "silent=true\n"
        f"{user}"
        f"logfile={log_dir / 'supervisord.log'}\n"
        "logfile_maxbytes=5MB\n"
        "logfile_backups=2\n"
        f"pidfile={run_dir / 'supervisord.pid'}\n"
        f"childlogdir={log_dir}\n"
        "\n[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        "\n[include]\n"
        f"files = {run_dir / 'programs'}/*.conf\n"
    )


# --- output ---------------------------------------------------------------------------


class Tail:
    """New lines of a log file that supervisord writes (and rotates)."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.inode: int | None = None
        self.offset = 0
        self.partial = b""
        try:  # only what this run writes
            stat = path.stat()
            self.inode, self.offset = stat.st_ino, stat.st_size
        except FileNotFoundError:
            pass
        self.seen: list[str] = []  # kept while the runner waits for the banners
        self.remember = True

    def read(self) -> list[str]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        if stat.st_ino != self.inode or stat.st_size < self.offset:  # new or rotated
            self.inode, self.offset, self.partial = stat.st_ino, 0, b""
        if stat.st_size == self.offset:
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        text = [line.decode("utf-8", "replace").rstrip("\r") for line in lines]
        if self.remember:
            self.seen.extend(text)
        return text


def _say(text: str = "") -> None:
    print(text, flush=True)


def _box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    edge = "+" + "-" * (width + 4) + "+"
    body = [f"|  {line.ljust(width)}  |" for line in lines]
    return "\n".join(["", edge, *body, edge, ""])


# --- the runner -----------------------------------------------------------------------


class Runner:
    def __init__(self, opts: argparse.Namespace) -> None:
        from lumina.core.embedded import var_dir

        self.opts = opts
        self.var = var_dir()
        self.run_dir = self.var / "run"
        self.log_dir = self.var / "log"
        self.programs_dir = self.run_dir / "programs"
        for folder in (self.run_dir, self.log_dir, self.programs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        for stale in self.programs_dir.glob("*.conf"):
            stale.unlink()
        # The programs are added one by one once their turn comes; until then the
        # include must still match a file.
        (self.programs_dir / "00-none.conf").write_text("; programs follow\n")
        self.socket = str(self.run_dir / "supervisor.sock")
        self.password = secrets.token_urlsafe(24)
        self.env = dict(os.environ)
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "lumina.settings.local")
        self.env["PYTHONUNBUFFERED"] = "1"
        self.env["LUMINA_SUPERVISOR_SOCKET"] = self.socket
        self.env["LUMINA_SUPERVISOR_PASSWORD"] = self.password
        if opts.dev:
            self.env["DJANGO_DEBUG"] = "1"
        self.embedded = not self.env.get("DATABASE_URL")
        self.tails: dict[str, Tail] = {}
        self.quiet = False  # after the box: only the supervisor speaks
        self.stopping = False
        self.reported: set[str] = set()
        self.supervisord: subprocess.Popen[bytes] | None = None

    # -- plumbing

    def _tail(self, name: str) -> Tail:
        if name not in self.tails:
            self.tails[name] = Tail(self.log_dir / f"{name}.log", name)
        return self.tails[name]

    def pump(self) -> None:
        """Print what the processes wrote since the last call."""
        for name, tail in list(self.tails.items()):
            lines = tail.read()
            if self.quiet and name not in ("supervisord", "postgres"):
                continue
            for line in lines:
                if line.strip():
                    _say(f"{name:<11}| {line}")

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            self.watch()
            if self.stopping or self.supervisord_exited():
                return False
            if predicate():
                return True
            time.sleep(0.2)
        return False

    def supervisord_exited(self) -> bool:
        return self.supervisord is not None and self.supervisord.poll() is not None

    def states(self) -> dict[str, str]:
        try:
            return supervisor_states(self.socket, self.password)
        except Exception:  # supervisord busy, starting or gone: no news
            return {}

    def watch(self) -> None:
        """Report, loudly and once, a process the supervisor gave up on."""
        if self.stopping:
            return
        for name, state in self.states().items():
            if state in GIVEN_UP and name not in self.reported:
                self.reported.add(name)
                _say(
                    _box(
                        [
                            f"!!! {name} keeps crashing: the supervisor gave up restarting it.",
                            f"!!! Its log: {self.log_dir / (name + '.log')}",
                            f"!!! /readyz answers 503 naming {name} until make run is restarted.",
                        ]
                    )
                )

    def add(self, name: str, conf: str) -> None:
        (self.programs_dir / f"{name}.conf").write_text(conf)
        self._tail(name)
        rpc = _rpc(self.socket, self.password).supervisor
        rpc.reloadConfig()
        rpc.addProcessGroup(name)

    def manage(self, *args: str, capture: bool = False) -> str:
        # bandit B603: our own interpreter and manage.py, fixed arguments
        result = subprocess.run(  # noqa: S603  # nosec B603
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return result.stdout or ""

    def on_signal(self, signum: int, frame: Any) -> None:
        self.stopping = True

    # -- phases

    def start_supervisord(self) -> None:
        conf = self.run_dir / "supervisord.conf"
        conf.write_text(_supervisord_conf(self.run_dir, self.log_dir, self.password))
        conf.chmod(0o600)
        self._tail("supervisord")
        self.supervisord = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf)],
            cwd=BASE_DIR,
            env=self.env,
            # Its own session: the terminal's Ctrl-C reaches only this runner, which
            # then stops supervisord, which stops the processes in order.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        if not self.wait(self.rpc_ready, 60):
            raise SystemExit(
                f"supervisord did not start (is make run already running on {self.var}?)"
            )

    def rpc_ready(self) -> bool:
        try:
            _rpc(self.socket, self.password).supervisor.getState()
            return True
        except Exception:
            return False

    def start_database(self) -> None:
        from lumina.core.embedded import running_url

        python = sys.executable
        self.add(
            "postgres",
            _program(
                "postgres",
                [python, "-m", "lumina.core.embedded"],
                log_dir=self.log_dir,
                priority=10,
                startsecs=3,
                startretries=10,
                stopwaitsecs=60,
            ),
        )
        url: list[str] = []

        def ready() -> bool:
            found = running_url()
            if found:
                url.append(found)
            elif self.states().get("postgres") in GIVEN_UP:
                raise SystemExit(
                    "the embedded PostgreSQL keeps failing to start; see var/log/postgres.log"
                )
            return bool(found)

        if not self.wait(ready, START_TIMEOUT):
            raise SystemExit("the embedded PostgreSQL did not start; see var/log/postgres.log")
        self.env["DATABASE_URL"] = url[-1]

    def prepare(self) -> tuple[str, str | None]:
        """Migrate, make the operator account, collect the static files."""
        self.manage("migrate", "--noinput", "-v", "0")
        output = self.manage("lumina_bootstrap", capture=True)
        account, password = "", None
        for line in output.splitlines():
            if line.startswith("Password: ") and "LUMINA_ADMIN_PASSWORD" not in line:
                password = line.removeprefix("Password: ").split()[0]
            elif line.strip():
                _say(line)
                if line.startswith(("Created the operator account ", "Operator account: ")):
                    account = line.split()[-1] if "Created" in line else line.split()[2]
        if not self.opts.dev:
            # Hashed, compressed names for whitenoise (production's storage).
            self.manage("collectstatic", "--noinput", "-v", "0")
        return account, password

    def start_app(self) -> None:
        python = sys.executable
        env = {"DATABASE_URL": self.env["DATABASE_URL"]}
        bind = f"{self.opts.host}:{self.opts.port}"
        if self.opts.dev:
            web = [python, "manage.py", "runserver", bind]
            # runserver's autoreloader is a parent and a child: stop both, with SIGINT,
            # which each of them takes as a normal stop.
            extra: dict[str, Any] = {"stopsignal": "INT", "stopasgroup": True}
        else:
            from lumina.core.server import command

            web = [python, "-m", *command(bind=bind, workers=self.opts.workers)]
            extra = {}
        self.add(
            "web",
            _program(
                "web",
                web,
                log_dir=self.log_dir,
                priority=40,
                # gunicorn tries to bind for five seconds before it gives up.
                startsecs=15,
                startretries=5,
                stopwaitsecs=40,
                environment=env,
                **extra,
            ),
        )
        self.add(
            "worker",
            _program(
                "worker",
                [python, "-m", "celery", "-A", "lumina", "worker", "-l", "INFO",
                 "--concurrency", str(self.opts.concurrency), "--hostname", "lumina@%h"],
                log_dir=self.log_dir,
                priority=20,
                startsecs=60,
                startretries=3,
                # A warm shutdown lets running tasks finish; late acks requeue the rest.
                stopwaitsecs=60,
                environment=env,
            ),
        )  # fmt: skip
        self.add(
            "beat",
            _program(
                "beat",
                [python, "-m", "celery", "-A", "lumina", "beat", "-l", "INFO",
                 "--pidfile", str(self.run_dir / "beat.pid"),
                 "-s", str(self.run_dir / "beat-schedule")],
                log_dir=self.log_dir,
                priority=30,
                startsecs=60,
                startretries=3,
                stopwaitsecs=20,
                environment=env,
            ),
        )  # fmt: skip

    def wait_until_up(self) -> None:
        everywhere = ("0.0.0.0", "::", "")  # noqa: S104  # nosec B104: only compared
        host = "127.0.0.1" if self.opts.host in everywhere else self.opts.host
        url = f"http://{host}:{self.opts.port}/healthz"

        def up() -> bool:
            worker = any(line.endswith(" ready.") for line in self._tail("worker").seen)
            beat = any("beat: Starting..." in line for line in self._tail("beat").seen)
            given_up = {n for n, s in self.states().items() if s in GIVEN_UP}
            return (
                (worker or "worker" in given_up)
                and (beat or "beat" in given_up)
                and (_http_ok(url) or "web" in given_up)
            )

        self.wait(up, START_TIMEOUT)

    def stop(self) -> int:
        self.stopping = True
        if self.supervisord is None:
            return 0
        if self.supervisord.poll() is None:
            _say("\nStopping web, beat and worker, then the database ...")
            self.supervisord.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 180
        while self.supervisord.poll() is None and time.monotonic() < deadline:
            self.pump()
            time.sleep(0.2)
        if self.supervisord.poll() is None:
            self.supervisord.kill()
        code = self.supervisord.wait()
        self.pump()
        _say("Stopped." if code == 0 else f"supervisord exited with {code}.")
        return 0 if code == 0 else 1

    def check_port(self) -> None:
        import socket

        try:
            with socket.create_server((self.opts.host or "127.0.0.1", int(self.opts.port))):
                pass
        except OSError as exc:
            raise SystemExit(f"cannot listen on {self.opts.host}:{self.opts.port}: {exc}") from exc

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)
        try:
            self.check_port()
            self.start_supervisord()
            if self.embedded and not self.stopping:
                self.start_database()
            if self.stopping:
                return self.stop()
            account, password = self.prepare()
            if self.stopping:
                return self.stop()
            self.start_app()
            self.wait_until_up()
            if self.stopping:
                return self.stop()
            if self.states().get("web") in GIVEN_UP:
                raise SystemExit(
                    f"the web server could not start (is port {self.opts.port} in use?); "
                    f"see {self.log_dir / 'web.log'}"
                )
            self.print_box(account, password)
            for tail in self.tails.values():
                tail.remember, tail.seen = False, []
            # The box stays in view; `make dev` keeps showing the logs, as runserver does.
            self.quiet = not self.opts.dev
            while not self.stopping and not self.supervisord_exited():
                self.pump()
                self.watch()
                time.sleep(0.3)
            return self.stop()
        except subprocess.CalledProcessError as exc:
            if self.stopping:  # Ctrl-C reached the command too
                return self.stop()
            _say(f"make run: {shlex.join(map(str, exc.cmd))} failed (exit {exc.returncode}).")
            self.stop()
            return 1
        except SystemExit as exc:
            if isinstance(exc.code, str):
                _say(f"make run: {exc.code}")
            self.stop()
            return 1

    def print_box(self, account: str, password: str | None) -> None:
        host = self.opts.host or "127.0.0.1"
        url = f"http://{host}:{self.opts.port}"
        dev = "  (dev: runserver, DEBUG on)" if self.opts.dev else ""
        lines = [
            f"Lumina Host is running at {url}{dev}",
            f"Operator console: {url}/admin/",
        ]
        if account:
            lines.append(f"Operator account: {account}")
        if password:
            lines.append(f"Password: {password}   (shown once; change it after signing in)")
        lines += [
            "Lost the password?  .venv/bin/python manage.py lumina_operator --reset-password EMAIL",
            f"Logs: {self.log_dir}/  (web, worker, beat, postgres, supervisord)",
            "Ctrl-C stops everything.",
        ]
        _say(_box(lines))


def _http_ok(url: str) -> bool:
    try:
        # bandit B310: a fixed http:// URL on this machine
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # nosec B310
            return int(response.status) == 200
    except Exception:
        return False


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the runner dies, even by SIGKILL (Linux),
    so that supervisord stops the app and the database instead of living on alone."""
    try:
        import ctypes
        import ctypes.util

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="web worker processes (WEB_CONCURRENCY)",
    )  # fmt: skip
    parser.add_argument(
        "--concurrency", type=int, default=int(os.environ.get("CELERY_CONCURRENCY", "2")),
        help="Celery worker processes (CELERY_CONCURRENCY)",
    )  # fmt: skip
    parser.add_argument("--dev", action="store_true", help="runserver with autoreload, DEBUG on")
    return Runner(parser.parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
