"""`app [SCENARIO]`: serve the classroom app (sim.app.page, on Mesa and Solara) on 127.0.0.1.

The scenario is validated first (a bad file ends with one line and exit code 2); then `solara run
sim.app.page` is started in a child process that reads the scenario from SIM_APP_SCENARIO. The
terminal shows one line with the address, then only what needs attention (errors); Ctrl-C (or
SIGTERM) stops the server and says "app stopped".
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from .. import scenario as scenarios
from ..errors import UsageError

DEFAULT = "classroom"
STOPPED = "app stopped"
# Lines `solara run` prints that say nothing the address line above them has not said.
_SOLARA_CHATTER = ("Solara server is starting at",)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("app", help="serve the classroom app in the browser (Mesa and Solara)")
    parser.add_argument("scenario", nargs="?", default=DEFAULT,
                        help="scenario YAML file or bundled name (default: scenarios/classroom.yaml)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 = any free)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.set_defaults(handler=main)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def command(scenario: str | Path, port: int, host: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    """The solara command line and environment that serve the app.

    NUMBA_NUM_THREADS=1 unless set: classroom models are small, and numba's parallel kernels cost more
    in thread hand-offs than they save there (measured about 6x slower at 1,000 customers on a busy
    two-core machine). No telemetry, no version check: the server talks to nobody. No "runs on
    Solara" banner: it covers the corner of the page on a projector. (Solara's warning about cookies
    on every page load from 127.0.0.1 is filtered where the app is imported, in sim.app.page.)
    """
    env = dict(os.environ, SIM_APP_SCENARIO=str(Path(scenario).resolve()),
               SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", SOLARA_CHECK_VERSION="False",
               SOLARA_THEME_SHOW_BANNER="False", MPLBACKEND="Agg")
    env.setdefault("NUMBA_NUM_THREADS", "1")
    argv = [sys.executable, "-m", "solara", "run", "sim.app.page", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    return argv, env


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(args) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: expected a port number 0..65535, got {args.port}")
    path = scenarios.find(args.scenario)
    scenarios.load(path)  # validate before starting the server (ScenarioError -> one line, exit 2)
    port = args.port or free_port(args.host)
    argv, env = command(path, port, args.host)
    print(f"classroom app for {path}: open http://{args.host}:{port}/ (Ctrl-C stops it)", flush=True)
    # The server's output passes through here so that its start-up line, which repeats the address,
    # can be left out; everything else (errors on stderr included) reaches the terminal as it is.
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        for line in server.stdout:
            if not line.startswith(_SOLARA_CHATTER):
                sys.stdout.write(line)
                sys.stdout.flush()
        code = server.wait()
    except KeyboardInterrupt:
        # Ctrl-C in a terminal reaches the server too; either way it is stopped before we say so.
        _stop(server)
        print(STOPPED, file=sys.stderr, flush=True)
        return 130
    if code:
        print(f"app: the server stopped with exit code {code}", file=sys.stderr)
    return code
