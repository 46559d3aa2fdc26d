"""The model's kernels compiled ahead of time, so that a run of any size imports no numba.

numba's import and its loading of cached machine code take 0.35 to 0.5 s of every process that runs the model: a
third of `python -m sim run baseline`. The functions the fused step, the streams and a model's set-up call (EXPORTS)
are therefore also compiled into a Python extension module by numba's ahead-of-time compiler (numba.pycc), once per
machine and version of the code, for this machine's processor. Each function releases the GIL, so that the passes'
chunk loops run on several threads from `THREADED_FROM` people (sim.kernels.split). A process that finds that module
loads it in a few milliseconds and never imports numba, whatever the market's size. Everything else still goes to
numba's just-in-time functions as before: the NumPy reference's kernels, and any call whose arguments are not of the
declared types (`Checked` sends it there, where numba compiles for the types it gets, as it always did; the compiled
module itself would read such arrays as the wrong type). Both are compiled from the same Python functions in
sim.kernels.compiled, and tests/test_ahead.py checks that they give the same bytes.

The module is built the first time a process needs a kernel and finds none (11 to 20 s, in place of numba's
compiling the same functions on a first run), under a lock, into a temporary name that is then renamed. Its file
name carries a fingerprint of this package's compiled sources, the versions of Python, NumPy, numba and llvmlite,
and the processor's features, so only the code it was built from loads it. Where it cannot be built (no C
compiler or Python headers, or a numba without pycc) the reason is kept in a `.failed` file beside it, so that no
later process tries again (delete it to try again), and numba's just-in-time functions are used. SIM_AHEAD=0 turns
it off. Where: $SIM_KERNELS_CACHE, else the package's `sim/kernels/__pycache__` beside numba's own cache, else
$XDG_CACHE_HOME/customer-engagement/kernels (~/.cache/...) where that is not writable.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# The functions compiled ahead of time, with the argument types sim.fused, sim.state, sim.network and sim.streams
# call them with (tests/test_ahead.py checks these against the types numba sees in a run).
EXPORTS = {
    "stream_keys": "uint64[:, ::1](uint64[::1], uint64[::1], uint64[::1])",
    "fill_uniform_chunks": "void(int64, int64, float32[::1], uint64)",
    "share_fitting": "float64[::1](float64[:, ::1], float64[::1])",
    "pick_companies": "int8[::1](float64[:, ::1], float64[::1], float64[::1])",
    "unsorted_lists": "Tuple((int64[::1], int32[::1]))(int64, int32[::1], int32[::1], int64, boolean[::1], int32[::1])",
    "sort_lists": "int64(int64[::1], int32[::1])",
    "pass_a_chunks": (
        "void(int64, int64, int64, uint64[::1], float64[::1], float32[:, ::1], float32[:, ::1], int8[:, ::1], "
        "float32[:, ::1], float32[:, ::1], boolean[::1], int8[::1], int8[::1], float32[::1], float32[::1], "
        "float32[::1], float32[::1], float32[::1], float32[::1], float32[::1], float32[::1], boolean[::1], "
        "int16[::1], float32[:, ::1], float32[:, ::1], float32[:, ::1], float32[::1], float32[::1], float32[::1], "
        "float32[::1], float32[:, ::1], int8[::1], float32[::1], float32[::1], float32[::1], int64[:, :, ::1], "
        "uint8[::1], float32[::1])"),
    "pass_b_chunks": (
        "void(int64, int64, int64, uint64[::1], float64[::1], float32[:, ::1], boolean[::1], boolean[::1], "
        "int64[::1], int32[::1], boolean, int8[::1], int8[::1], float32[::1], int8[::1], float32[::1], "
        "float32[:, ::1], float32[:, ::1], float32[::1], int8[::1], int32[::1], int64[:, :, ::1], int64[:, ::1], "
        "int64[:, ::1], int64[::1], uint8[::1], int32[::1], int8[::1])"),
    "count_advocacy": "void(uint8[::1], int32[::1], float32[::1])",
    "pass_c_chunks": (
        "void(int64, int64, int64, uint64[::1], float64[::1], float32[:, ::1], int8[::1], int8[::1], float32[::1], "
        "float32[::1], float32[::1], float32[::1], float32[::1], float32[::1], float32[::1], float32[::1], "
        "float32[::1], int32[::1], float32[::1], boolean[::1], int8[::1], float32[::1], float32[:, ::1], "
        "float32[:, ::1], int8[::1], int32[::1], int8[::1], float32[::1], int64[:, :, ::1], int64[:, :, ::1], "
        "int64[:, :, ::1], boolean)"),
    "revenue": "void(int8[::1], float32[::1], float32[::1], float64, int64, float64[::1])",
}
SOURCES = ("compiled.py", "ahead.py")  # what the machine code is compiled from (and this file's signatures)


def enabled() -> bool:
    """Whether kernels compiled ahead of time are used (SIM_AHEAD unset, empty or not 0)."""
    return os.environ.get("SIM_AHEAD", "").strip() != "0"


def _version(package: str) -> str:
    """The package's version file (numba's and llvmlite's `_version.py`), found without importing the package or
    importlib.metadata (20 ms)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return "-"
    folder = Path(spec.origin).parent
    for name in ("_version.py", "__init__.py"):
        if (folder / name).exists():
            return hashlib.sha256((folder / name).read_bytes()).hexdigest()
    return "-"


def _processor() -> str:
    """The processor's features, which the machine code is compiled for (Linux: /proc/cpuinfo's flags)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    return line
    except OSError:
        pass
    return f"{platform.processor()} {platform.platform()}"


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((HERE / name).read_bytes())
    digest.update("|".join([sys.version, platform.machine(), np.__version__, _version("numba"), _version("llvmlite"),
                            _processor()]).encode())
    return digest.hexdigest()[:20]


def folder() -> Path:
    """Where the modules are kept: $SIM_KERNELS_CACHE, else beside numba's cache in the package, else the user's
    cache folder."""
    chosen = os.environ.get("SIM_KERNELS_CACHE", "").strip()
    if chosen:
        return Path(chosen)
    beside = HERE / "__pycache__"
    try:
        beside.mkdir(exist_ok=True)
        if os.access(beside, os.W_OK):
            return beside
    except OSError:
        pass
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "customer-engagement" / "kernels"


def _paths(place: Path, name: str) -> tuple[Path, Path, Path]:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return place / f"{name}{suffix}", place / f"{name}.constants", place / f"{name}.failed"


class Checked:
    """A function of the module compiled ahead of time, called only with arguments of its declared types; any
    other call goes to numba's just-in-time function of the same name (which compiles for the types it gets).
    `accepted` says whether the last call passed: the fused step then calls `function` itself, without the check
    (30-odd arrays a pass, a few us in Python), while the state's arrays are the ones accepted (sim.fused)."""

    __slots__ = ("name", "function", "arrays", "scalars", "accepted")

    SCALARS = {"int64": (int, np.int64), "float64": (float, np.float64), "bool": (bool, np.bool_),
               "uint64": (np.uint64,)}

    def __init__(self, name: str, function, arguments: list):
        """`arguments`: for each argument, [dtype name, ndim] (ndim 0: a scalar of that type)."""
        self.name, self.function = name, function
        self.arrays = [(i, np.dtype(kind), ndim) for i, (kind, ndim) in enumerate(arguments) if ndim]
        self.scalars = [(i, self.SCALARS[kind]) for i, (kind, ndim) in enumerate(arguments) if not ndim]
        self.accepted = False

    def __call__(self, *args):
        self.accepted = False
        for index, kinds in self.scalars:
            if type(args[index]) not in kinds:
                return self.elsewhere(*args)
        for index, dtype, ndim in self.arrays:
            value = args[index]
            if (type(value) is not np.ndarray or value.dtype != dtype or value.ndim != ndim
                    or not value.flags.c_contiguous or not value.flags.writeable or not value.flags.aligned):
                return self.elsewhere(*args)
        self.accepted = True
        return self.function(*args)

    def elsewhere(self, *args):
        """The call, by numba's just-in-time function."""
        from . import _compiled

        return getattr(_compiled(), self.name)(*args)


def _arguments(signature: str) -> list:
    """[dtype name, ndim] of each argument of a signature (with numba, at build time)."""
    from numba.core import sigutils, types

    arguments, _ = sigutils.normalize_signature(signature)
    return [[str(np.dtype(str(kind.dtype))), kind.ndim] if isinstance(kind, types.Array) else [str(kind), 0]
            for kind in arguments]


def build(place: Path, name: str) -> None:
    """Compile EXPORTS into the extension module `name` in `place`, with its constants and argument types beside
    it; each file is written under a temporary name and renamed."""
    import json
    import tempfile
    import warnings

    from . import _compiled

    _compiler()
    compiled = _compiled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc is pending deprecation in numba 0.57 to 0.68
        from numba.pycc import CC
    module, constants, _ = _paths(place, name)
    with tempfile.TemporaryDirectory(dir=place, prefix=f".{name}-") as work:
        cc = CC(name)
        cc.output_dir = work
        cc.target_cpu = "host"
        cc.verbose = False
        for function, signature in EXPORTS.items():
            cc.export(function, signature)(getattr(compiled, function).py_func)
        with _releasing_the_gil():
            _quietly(cc.compile, Path(work) / "build.log")
        built = Path(work) / module.name
        os.replace(built, module)
        layout = {key: value for key, value in vars(compiled).items()
                  if key.isupper() and type(value) is int}  # the indices and sizes of the fused step's arrays
        table = {"constants": layout, "arguments": {f: _arguments(s) for f, s in EXPORTS.items()}}
        text = Path(work) / "constants"
        text.write_text(json.dumps(table))
        os.replace(text, constants)  # last: a module is only read once its table is there
    if place == HERE / "__pycache__":  # the package's own folder holds this code's module only: drop older ones
        for old in place.glob("sim_kernels_*"):
            if not old.name.startswith(name):
                old.unlink(missing_ok=True)


class _releasing_the_gil:
    """While pycc compiles: every exported function's Python wrapper releases the GIL around the call, as numba's
    `nogil=True` does, so that threads can run the passes' chunks side by side (sim.kernels.split). pycc has no
    option for it: its compilation flags come from `numba.pycc.compiler.Flags`, replaced here for the build."""

    def __enter__(self):
        from numba.pycc import compiler

        class Flags(compiler.Flags):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.release_gil = True

        self.module, self.saved = compiler, compiler.Flags
        compiler.Flags = Flags

    def __exit__(self, *exc):
        self.module.Flags = self.saved


def _compiler() -> None:
    """Raise at once where there is no C compiler to link the module (before compiling its machine code)."""
    import shlex
    import shutil
    import sysconfig

    command = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    if not command or shutil.which(command[0]) is None:
        raise RuntimeError(f"no C compiler: {command[0] if command else 'cc'} not found")
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.exists():
        raise RuntimeError(f"no Python headers: {include} not found")


def _quietly(work, log: Path) -> None:
    """Run `work` with this process's stdout and stderr (the compiler's and linker's lines) sent to `log`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "wb") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            work()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def failure() -> str:
    """Why the module is not in use in this process's place ("" if nothing says so)."""
    if not enabled():
        return "turned off (SIM_AHEAD=0)"
    failed = _paths(folder(), f"sim_kernels_{fingerprint()}")[2]
    return failed.read_text().strip() if failed.exists() else ""


def load() -> dict | None:
    """The kernels compiled ahead of time and their layout constants, {name: Checked or int}, built first if
    need be; None where they are turned off or cannot be built (the reason is in the `.failed` file)."""
    if not enabled():
        return None
    import json

    place = folder()
    name = f"sim_kernels_{fingerprint()}"
    module, constants, failed = _paths(place, name)
    if failed.exists():
        return None
    if not constants.exists():
        try:
            place.mkdir(parents=True, exist_ok=True)
            with _FileLock(place / f"{name}.lock"):
                if not constants.exists() and not failed.exists():
                    if sys.stderr.isatty():  # a pause of 15 to 30 s deserves a word (logs and pipes stay clean)
                        print("compiling the model's kernels for this machine, once (15 to 30 s) ...", file=sys.stderr,
                              flush=True)
                    build(place, name)
        except Exception as error:  # no C compiler, no pycc, a full disk: numba's just-in-time functions do
            try:
                failed.write_text(f"{type(error).__name__}: {error}\n")
            except OSError:
                pass
            return None
        if not constants.exists():
            return None
    try:
        table = json.loads(constants.read_text())
        spec = importlib.util.spec_from_file_location(name, module)
        extension = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(extension)
    except Exception:  # a damaged file: numba's just-in-time functions
        return None
    kernels = {f: Checked(f, getattr(extension, f), table["arguments"][f]) for f in EXPORTS}
    return {**table["constants"], **kernels}


class _FileLock:
    """An exclusive lock on a file (fcntl; no lock where there is none): one process builds, the others wait."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.file = open(self.path, "a")
        try:
            import fcntl

            fcntl.flock(self.file, fcntl.LOCK_EX)
        except ImportError:
            pass
        return self

    def __exit__(self, *exc):
        self.file.close()  # closing releases the lock
