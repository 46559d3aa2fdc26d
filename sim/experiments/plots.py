"""Plots of a run: levels over time, transitions between levels, money, market shares.

Drawing is the slowest part of writing a small run's results, and importing matplotlib the slowest part of
drawing, so `run` hands the plots to a `PlotProcess`: a child process started before the run, which imports
matplotlib and lays the plots out while the model computes, and draws them when the timeseries is ready (while
the tables are written). The plots are drawn from NumPy
arrays (`plot_columns`), not pandas, so the child needs only NumPy and matplotlib, and no pyplot (figures
are made with matplotlib.figure and saved by the Agg canvas). `plt` (pyplot with the Agg backend), which
the comparison, sweep and calibration plots use, is imported on first use.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np

from ..levels import COLOURS, LEVELS

DPI = 100
FILES = ("levels.png", "transitions.png", "money.png")


def plot_columns(frame, companies: list[str]) -> dict[str, np.ndarray]:
    """The columns the plots need, as arrays [replication, step] (replications in order, steps 0..T each), from a
    timeseries of one or more replications (a DataFrame, or its columns as NumPy arrays)."""
    replications = np.unique(np.asarray(frame["replication"]))
    shape = (replications.size, -1)
    names = ["step"] + [f"{a}_to_{b}" for a in LEVELS for b in LEVELS if a != b]
    for company in companies:
        names += [f"{company}_{level}_share" for level in LEVELS]
        names += [f"{company}_revenue", f"{company}_cost", f"{company}_market_share"]
    order = np.lexsort((np.asarray(frame["step"]), np.asarray(frame["replication"])))
    return {name: np.asarray(frame[name])[order].astype(np.float64).reshape(shape) for name in names}


def _figure(width: float, height: float, columns: int = 1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    return figure, figure.subplots(1, columns, squeeze=False)[0]


def _band(ax, step: np.ndarray, values: np.ndarray, colour, label: str, style: str = "-") -> None:
    """The mean over replications, and the 5-95% band when there are several."""
    ax.plot(step, values.mean(axis=0), color=colour, label=label, lw=1.6, ls=style)
    if values.shape[0] > 1:
        low, high = np.quantile(values, [0.05, 0.95], axis=0)
        ax.fill_between(step, low, high, color=colour, alpha=0.2, lw=0)


# Each plot is laid out (figure, axes, titles, labels) apart from drawing its data, so that the plotting child
# can lay the three out, and draw them once without data, while the model runs: creating axes, ticks and text
# is about a third of drawing a plot, and the files are the same bytes either way (tests/test_plots.py).

def levels_layout(companies: list[str]):
    figure, axes = _figure(5 * len(companies), 3.8, len(companies))
    for ax, company in zip(axes, companies):
        ax.set_title(f"{company}: share of its customers by level")
        ax.set_xlabel("step")
        ax.set_ylim(0, 1)
        if ax is not axes[0]:
            ax.tick_params(labelleft=False)
    axes[0].set_ylabel("share")
    figure.subplots_adjust(left=0.06 / max(len(companies) / 3, 1), right=0.99, bottom=0.14, top=0.9, wspace=0.06)
    return figure, axes


def levels_over_time(data: dict, companies: list[str], path: Path, layout=None) -> Path:
    figure, axes = layout or levels_layout(companies)
    step = data["step"][0]
    for ax, company in zip(axes, companies):
        for level in LEVELS:
            _band(ax, step, data[f"{company}_{level}_share"], COLOURS[level], level)
    axes[-1].legend(loc="upper right", fontsize=8)
    return _save(figure, path)


def transitions_layout():
    figure, (ax,) = _figure(5.6, 4.6)
    ax.set_xticks(range(len(LEVELS)), LEVELS, rotation=30)
    ax.set_yticks(range(len(LEVELS)), LEVELS)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title("transitions between levels per run (all companies)")
    figure.subplots_adjust(left=0.2, right=0.98, bottom=0.18, top=0.92)
    return figure, ax


def transitions(data: dict, path: Path, layout=None) -> Path:
    runs = data["step"].shape[0]
    matrix = np.zeros((len(LEVELS), len(LEVELS)))
    for a, source in enumerate(LEVELS):
        for b, target in enumerate(LEVELS):
            if a != b:
                matrix[a, b] = data[f"{source}_to_{target}"].sum() / runs
    figure, ax = layout or transitions_layout()
    image = ax.imshow(np.log10(matrix + 1), cmap="viridis")
    for a in range(len(LEVELS)):
        for b in range(len(LEVELS)):
            if a != b:
                ax.text(b, a, f"{matrix[a, b]:.0f}", ha="center", va="center", color="white", fontsize=8)
    figure.colorbar(image, ax=ax, label="log10(1 + count)")
    return _save(figure, path)


def money_layout():
    figure, (left, right) = _figure(11, 3.8, 2)
    left.set_title("cumulative revenue (solid) and cost (dashed)")
    right.set_title("market share")
    for ax in (left, right):
        ax.set_xlabel("step")
    figure.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.9, wspace=0.18)
    return figure, (left, right)


def money(data: dict, companies: list[str], path: Path, layout=None) -> Path:
    from matplotlib import rcParams

    figure, (left, right) = layout or money_layout()
    step = data["step"][0]
    palette = rcParams["axes.prop_cycle"].by_key()["color"]
    for colour, company in zip(palette, companies):
        _band(left, step, np.cumsum(data[f"{company}_revenue"], axis=1), colour, f"{company} revenue")
        _band(left, step, np.cumsum(data[f"{company}_cost"], axis=1), colour, f"{company} cost", "--")
        _band(right, step, data[f"{company}_market_share"], colour, company)
    for ax in (left, right):
        ax.legend(fontsize=8)
    return _save(figure, path)


def _save(figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI)
    return path


def layouts(companies: list[str]) -> list:
    """The three plots laid out and drawn once without data (ticks, titles and their text measured), in the
    order of FILES: what `draw` fills in."""
    prepared = [levels_layout(companies), transitions_layout(), money_layout()]
    for figure, _ in prepared:
        figure.draw_without_rendering()
    return prepared


def draw(data: dict, companies: list[str], folder: Path, prepared: list | None = None) -> list[Path]:
    """The three plots of a run into `folder`, from `plot_columns` (figures without pyplot: no backend is chosen
    or changed, so a notebook's own backend stays as it is); `prepared`: their `layouts`, used once."""
    folder = Path(folder)
    levels, transitions_, money_ = prepared or (None, None, None)
    return [levels_over_time(data, companies, folder / FILES[0], levels),
            transitions(data, folder / FILES[1], transitions_), money(data, companies, folder / FILES[2], money_)]


def draw_on_two_cores(data: dict, companies: list[str], folder: Path, prepared: list | None = None) -> list[Path]:
    """`draw`, with the levels plot drawn by a forked copy of this process while this one draws the other two
    (the simulation has ended, so both cores are free)."""
    folder = Path(folder)
    if not hasattr(os, "fork"):
        return draw(data, companies, folder, prepared)
    levels, transitions_, money_ = prepared or (None, None, None)
    pid = os.fork()
    if pid == 0:  # the copy: one plot, then leave at once (no atexit handlers, no flushing the parent's buffers)
        code = 1
        try:
            levels_over_time(data, companies, folder / FILES[0], levels)
            code = 0
        finally:
            os._exit(code)
    try:
        others = [transitions(data, folder / FILES[1], transitions_), money(data, companies, folder / FILES[2], money_)]
        _, status = os.waitpid(pid, 0)
    except BaseException:  # a plot failed here, or the parent gave the plots up (`PlotProcess.close`): so does the copy
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    if status != 0:
        raise RuntimeError(f"drawing {FILES[0]} failed (exit status {status})")
    return [folder / FILES[0], *others]


def run_plots(frame, companies: list[str], folder: Path) -> list[Path]:
    """The three plots of a run's timeseries (a DataFrame of one or more replications), drawn here."""
    return draw(plot_columns(frame, companies), companies, folder)


def _serve(connection, companies: list[str] | None) -> None:
    """The plotting child: import matplotlib and lay the plots of `companies` out now, draw when the data arrives,
    report the files or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops this process
    signal.signal(signal.SIGTERM, _stop)  # stopped while drawing: take the forked copy down too, then leave
    try:
        import matplotlib.figure  # noqa: F401  (the slow part, done while the model runs)

        prepared = layouts(companies) if companies else None
        job = connection.recv()
        if job is not None:
            data, drawn, folder = job
            paths = draw_on_two_cores(data, drawn, Path(folder), prepared if drawn == companies else None)
            connection.send(("ok", [str(p) for p in paths]))
    except BaseException as error:  # reported to the parent, which raises it
        try:
            connection.send(("error", f"{type(error).__name__}: {error}"))
        except OSError:
            pass
    finally:
        connection.close()


def _stop(signum, frame):
    raise SystemExit(1)


class PlotProcess:
    """Plots drawn in a child process that imports matplotlib, and lays out the plots of `companies`, while the run
    computes (see the module docstring). `start` hands it the timeseries and returns at once; `result` waits.

    Where processes cannot be forked, or the child fails to start, the plots are drawn in this process.
    """

    def __init__(self, companies: list[str] | None = None):
        self.process = self.connection = None
        self._local = None  # (data, companies, folder) to draw here, where there is no child
        self._drawing = False  # the child has a job and has not reported yet
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        try:
            context = multiprocessing.get_context("fork")  # before any thread starts: a plain copy of this process
            self.connection, child = context.Pipe()
            self.process = context.Process(target=_serve, args=(child, list(companies or [])), daemon=True,
                                           name="sim-plots")
            self.process.start()
            child.close()
        except OSError:
            self.process = self.connection = None

    def start(self, frame, companies: list[str], folder: Path) -> None:
        """Hand the plots of `frame` (into `folder`) to the child, which draws them while this process goes on."""
        data = plot_columns(frame, companies)
        if self.process is None:
            self._local = data, companies, folder
            return
        try:
            self.connection.send((data, list(companies), str(folder)))
            self._drawing = True
        except OSError as error:
            self.close()
            raise RuntimeError(f"the plotting process ended without drawing ({error})") from None

    def result(self) -> list[Path]:
        """Wait for the plots handed over by `start`; their files."""
        if self.process is None:
            data, companies, folder = self._local
            return draw(data, companies, folder)
        try:
            status, result = self.connection.recv()
            self._drawing = False
        except (EOFError, OSError) as error:
            raise RuntimeError(f"the plotting process ended without drawing ({error})") from None
        finally:
            self.close()
        if status != "ok":
            raise RuntimeError(f"drawing the plots failed: {result}")
        return [Path(p) for p in result]

    def close(self) -> None:
        """Stop the child: at once if it is drawing (the plots are given up, e.g. after Ctrl-C), and with it the
        copy it forked, so that nothing writes into the run's folder once this returns; else when it reads the end."""
        if self.process is None:
            return
        if self._drawing:
            self.process.terminate()
            self._drawing = False
        else:
            try:
                self.connection.send(None)
            except OSError:
                pass
        self.process.join(timeout=0.5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.connection.close()
        self.process = self.connection = None


def __getattr__(name: str):
    """`plt`: matplotlib.pyplot, imported on first use (other plots use it), with the Agg backend selected unless
    pyplot is already in use (a notebook's inline backend is left alone)."""
    if name == "plt":
        import sys

        if "matplotlib.pyplot" not in sys.modules:
            import matplotlib

            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        globals()["plt"] = plt
        return plt
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
