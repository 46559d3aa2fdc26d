"""Writing results: atomic files, run folders and the manifest that makes every figure reproducible.

A run is written into a hidden `.<run id>.partial` folder and renamed into place when it is
complete, so results/ never holds a half-written run; single files are written to a temporary name
and renamed. The manifest records the resolved scenario, seed, package versions and git revision.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a table is made: a run starts without it
    import pandas as pd


PACKAGES = ("mesa", "numpy", "scipy", "pandas", "matplotlib", "networkx", "pyyaml", "tqdm", "numba")


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path next to `path`; it replaces `path` only if the block finishes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_png(figure, path: str | Path, dpi: int = 110) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=dpi, format="png")
    plt.close(figure)
    return path


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data: Any) -> None:
    """Strict JSON (RFC 8259): a number that is undefined (NaN, infinite) is written as null."""
    write_text(path, json.dumps(strict(data), indent=2, sort_keys=False, default=_jsonable, allow_nan=False) + "\n")


def strict(value: Any) -> Any:
    """`value` with every non-finite float replaced by None, through dicts, lists and NumPy scalars."""
    if isinstance(value, dict):
        return {key: strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(item) for item in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # a NumPy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_csv(path: str | Path, table: pd.DataFrame | dict) -> None:
    """A table as CSV (atomically): a DataFrame, written by pandas, or named columns of numbers (NumPy arrays,
    as `EngagementModel.timeseries_arrays` gives them), written without pandas as the same text pandas would
    write (shortest round-trip floats, an empty cell for NaN; tests/test_cli.py compares the two)."""
    with atomic_path(path) as temporary:
        if hasattr(table, "to_csv"):
            table.to_csv(temporary, index=False, lineterminator="\n")
            return
        import csv

        import numpy as np

        columns = {name: np.asarray(values) for name, values in table.items()}
        for name, values in columns.items():
            if values.dtype.kind not in "iuf":
                raise TypeError(f"column {name!r}: numbers expected, got {values.dtype}")
        rows = len(next(iter(columns.values()))) if columns else 0
        with open(temporary, "w", encoding="utf-8", newline="") as file:
            csv.writer(file, lineterminator="\n").writerow(columns)  # quoted as pandas quotes a name, if need be
            for low in range(0, rows, 4096):  # a block of rows at a time: the text of a big table stays small
                cells = []
                for values in columns.values():
                    block = values[low: low + 4096]
                    text = block.astype(str)
                    if block.dtype.kind == "f":
                        text[np.isnan(block)] = ""
                    cells.append(text)
                file.write("".join(",".join(row) + "\n" for row in np.stack(cells, axis=1).tolist()))


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    try:
        found["sim"] = metadata.version("customer-engagement")
    except metadata.PackageNotFoundError:
        pass
    return found


def git_revision() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                  timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (revision + ("-dirty" if dirty else "")) if revision else "unknown"


def manifest(scenario, **extra) -> dict[str, Any]:
    return {
        "scenario_name": scenario.name,
        "scenario_file": scenario.source,
        "seed": scenario.data["seed"],
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "versions": versions(),
        **extra,
        "scenario": scenario.data,
    }


def new_run_folder(parent: str | Path, seed: int) -> Path:
    """A new empty folder `parent/<date>-<time>-seed<seed>`, created here so that no other run takes it.

    Runs started in the same second get `-2`, `-3`, ... after the seed; `mkdir` decides between
    processes, so two runs never share a folder (nor its partial folder)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-seed{seed}"
    for n in itertools.count(1):
        name = stamp if n == 1 else f"{stamp}-{n}"
        if (parent / f".{name}.partial").exists():
            continue
        try:
            (parent / name).mkdir()
        except FileExistsError:
            continue
        return parent / name


class RunFolder:
    """A results folder built in a hidden partial folder and renamed into place by `finish()`.

    An existing folder is refused, unless its manifest says the run was interrupted: then it is
    moved back to the partial folder and the run resumes where it stopped. `reserved`: `final` is the
    empty folder `new_run_folder` made for this run.
    """

    def __init__(self, final: str | Path, reserved: bool = False):
        self.final = Path(final)
        self.reserved = reserved
        self.partial = self.final.with_name(f".{self.final.name}.partial")
        self.resumed = False
        if reserved:
            pass  # the empty folder new_run_folder made: finish()'s rename replaces it
        elif self.final.exists():
            if status_of(self.final) != "interrupted":
                raise FileExistsError(f"{self.final} already exists; choose another --out")
            if self.partial.exists():
                shutil.rmtree(self.partial)
            os.replace(self.final, self.partial)
            self.resumed = True
        elif self.partial.exists():
            shutil.rmtree(self.partial)
        self.partial.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> Path:
        return self.partial

    def finish(self) -> Path:
        os.replace(self.partial, self.final)  # rename(2) replaces an empty folder
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)
        if self.reserved:
            with contextlib.suppress(OSError):
                self.final.rmdir()


def status_of(folder: Path) -> str | None:
    """The `status` in a results folder's manifest.json (None if there is none)."""
    try:
        return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError):
        return None
