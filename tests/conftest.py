import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# Tests do not read or fill the user's cache of states at rest (sim.experiments.rest_cache): every run plays its
# burn-in, unless a test names a cache folder of its own (tests/test_rest_cache.py).
os.environ["SIM_REST_CACHE"] = "off"


def pytest_addoption(parser):
    parser.addoption("--refresh-stored", action="store_true",
                     help="rewrite tests/stored/*.json from the current code (a deliberate change of behaviour)")


def run_cli(*args, cwd=None, timeout=300, env=None):
    """Run `python -m sim ...` in a subprocess; returns the CompletedProcess."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=timeout, env=environment)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def small_yaml(tmp_path):
    """Write a small scenario file (dedented text) and return its path."""
    def write(text: str, name: str = "scenario.yaml") -> Path:
        import textwrap

        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path
    return write
