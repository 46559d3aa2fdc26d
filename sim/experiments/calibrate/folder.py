"""A calibration's results folder: what it holds, and the check that a re-run resumes the same calibration.

DIR/calibration.json is written first and describes the calibration (targets, market as resolved,
method and the settings its results depend on) with a fingerprint. A re-run into the same folder
resumes only if the fingerprint matches; a folder holding another calibration (or anything else)
is refused, so runs of different fits are never mixed. `--budget`, `--workers` and the executor are
not part of it: a larger budget continues a fit, and results do not depend on where runs happen.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from ...errors import UsageError
from .. import output
from .targets_file import TargetsFile

DESCRIPTION = "calibration.json"
PARTS = "parts"
JOURNAL = "optuna.journal"
DATABASE = "abc.db"


@dataclass(frozen=True)
class Settings:
    """How a calibration runs; everything but `budget` shapes its results (and its fingerprint)."""

    method: str  # "optuna" or "abc"
    budget: int
    replications: int
    seed: int
    batch: int  # candidates evaluated at once
    check: int  # replications of the final check at the point estimate (and posterior draws)
    population: int = 0  # abc: particles per generation
    generations: int = 0  # abc: the most generations (the last one is at temperature 1)
    pilot: int = 0  # abc: runs at the prior's centre that measure the simulation noise

    def shaping(self) -> dict:
        found = asdict(self)
        found.pop("budget")
        return found


def default_folder(targets_file: TargetsFile, method: str) -> Path:
    """results/calibrate/<targets file name>-<method>: the same command always resumes the same folder."""
    return Path("results") / "calibrate" / f"{Path(targets_file.source).stem}-{method}"


def fingerprint(targets_file: TargetsFile, settings: Settings) -> tuple[str, dict]:
    described = {"targets": targets_file.describe(), "market": targets_file.market.data, **settings.shaping()}
    described["targets"].pop("targets_file")  # the same file under another path is the same calibration
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16], described


def check_folder(out: Path, targets_file: TargetsFile, settings: Settings) -> bool:
    """Refuse a folder that holds something else; True if it holds this calibration already (a resume).

    Writes nothing: called before anything runs, so that a refused folder is left as it was.
    """
    described = out / DESCRIPTION
    if described.is_file():
        try:
            found = json.loads(described.read_text(encoding="utf-8"))
        except ValueError:
            raise UsageError(f"--out {out}: {DESCRIPTION} is not readable; choose another --out") from None
        mine, data = fingerprint(targets_file, settings)
        if found.get("fingerprint") != mine:
            differs = [k for k in data if found.get("calibration", {}).get(k) != json.loads(json.dumps(data[k],
                                                                                                      default=str))]
            raise UsageError(f"--out {out}: holds a different calibration ({', '.join(differs) or 'settings'} "
                             "differ); choose another --out or delete the folder")
        return True
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"--out {out}: exists and is not a calibration folder; choose another --out")
    return False


def start_folder(out: Path, targets_file: TargetsFile, settings: Settings, resumed: bool) -> None:
    """Create the folder and describe the calibration (first file written), or warn on a resume if the
    model's code changed since (finished runs then come from the older code)."""
    from ..sweep import code_version

    mine, data = fingerprint(targets_file, settings)
    if resumed:
        found = json.loads((out / DESCRIPTION).read_text(encoding="utf-8"))
        if found.get("code") != code_version():
            print(f"warning: {out}: the model's code changed since this calibration started; runs finished "
                  "before and after the change may differ. Delete the folder to start afresh.", file=sys.stderr)
        return
    out.mkdir(parents=True, exist_ok=True)
    output.write_json(out / DESCRIPTION, {"fingerprint": mine, "code": code_version(),
                                         "git_revision": output.git_revision(), "calibration": data})
