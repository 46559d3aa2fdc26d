"""Every lesson notebook in notebooks/ runs end to end (nbclient), with no error in any cell.

The kernel is the interpreter running the tests (a kernelspec named after it is registered in a
temporary folder if needed), started in notebooks/ as when a reader opens it. NUMBA_NUM_THREADS=1: the
lessons run small models, where threads cost more than they give on a shared two-core machine.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "engagement-tests"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernelspec that starts this very interpreter (so the notebooks see the installed `sim`)."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "engagement tests", "language": "python"}))
    saved = {key: os.environ.get(key) for key in ("JUPYTER_PATH", "NUMBA_NUM_THREADS", "MPLBACKEND")}
    os.environ["JUPYTER_PATH"] = str(folder) + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    os.environ["NUMBA_NUM_THREADS"] = "1"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    yield KERNEL
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_there_are_six_lessons():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_end_to_end(path, kernel):
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=300,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell on any error
    elapsed = time.perf_counter() - start
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # A lesson shows its plots inline: at least one PNG in the outputs.
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} shows no plot"
    assert elapsed < 240, f"{path.name} took {elapsed:.0f} s; lessons must stay quick"
