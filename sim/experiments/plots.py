"""Plots of a run: levels over time, transitions between levels, money, market shares.

Drawing is the slowest part of writing a small run's results, so `run` hands the plots to a `PlotProcess`: a
child process started before the run, which imports matplotlib and renders each plot without its data (frame,
titles, ticks and text: most of the work, see `Canvas`) while the model computes, and draws the data over them
when the timeseries is ready (while the tables are written). The plots are drawn from NumPy
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

    figure = Figure(figsize=(width, height), dpi=DPI)  # not rcParams: a notebook may change the default
    return figure, figure.subplots(1, columns, squeeze=False)[0]


def _band(ax, step: np.ndarray, values: np.ndarray, colour, label: str, style: str = "-") -> None:
    """The mean over replications, and the 5-95% band when there are several."""
    ax.plot(step, values.mean(axis=0), color=colour, label=label, lw=1.6, ls=style)
    if values.shape[0] > 1:
        low, high = np.quantile(values, [0.05, 0.95], axis=0)
        ax.fill_between(step, low, high, color=colour, alpha=0.2, lw=0)


class Canvas:
    """A plot rendered once without its data, so that drawing the data is only drawing the data.

    The first rendering holds the figure's frame, titles, labels, legends and every axis whose scale is fixed in
    advance (steps along x, shares from 0 to 1). The `live` parts depend on the data (an axis scaled to it, a
    colorbar's axes) and are hidden from it. `save` copies that rendering back, draws the artists added since and
    the live parts over it, each axes' in the order a full drawing uses (by zorder), and writes the pixels as the
    PNG `savefig` would. Rendering ticks and text is most of drawing a plot, so the plotting child renders the
    three plots while the model runs; the files are the same bytes whenever the rendering is done.
    """

    def __init__(self, figure, live=()):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure, self.live = figure, list(live)
        for part in self.live:
            part.set_visible(False)
        self.canvas = FigureCanvasAgg(figure)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(figure.bbox)
        self.rendered = {id(artist) for ax in figure.axes for artist in ax.get_children()}

    def save(self, path: Path) -> Path:
        renderer = self.canvas.get_renderer()
        self.canvas.restore_region(self.background)
        for part in self.live:
            part.set_visible(True)
        live = {id(part) for part in self.live}
        for ax in self.figure.axes:
            if id(ax) in live:
                ax.draw(renderer)
                continue
            ax.autoscale_view()  # the axes left to autoscale (none, or y) take the data's range before drawing it
            new = [a for a in ax.get_children() if id(a) not in self.rendered or id(a) in live]
            for artist in sorted(new, key=lambda a: a.get_zorder()):
                artist.draw(renderer)
        _write_png(path, self.canvas.buffer_rgba(), self.figure.dpi)
        return path


def _write_png(path: Path, rgba, dpi: float) -> None:
    """The pixels as a PNG with the metadata `savefig` writes, without the alpha channel (every figure here is
    opaque) and at zlib level 3: 40 to 45% less time than savefig's RGBA at level 6, the same pixels, files 8%
    smaller. Encoding was half of drawing a plot's data."""
    import matplotlib
    from PIL import Image, PngImagePlugin

    height, width = rgba.shape[:2]
    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    image.save(path, format="png", pnginfo=info, dpi=(dpi, dpi), compress_level=3)


# Each plot has a layout (figure, axes, titles, labels, limits known before the run: steps and shares) rendered
# as a Canvas, and a function that draws its data over it. `layouts` is what the plotting child prepares while
# the model runs; the files are the same bytes with or without it (tests/test_plots.py).

def levels_layout(companies: list[str], steps: int) -> Canvas:
    figure, axes = _figure(5 * len(companies), 3.8, len(companies))
    for ax, company in zip(axes, companies):
        ax.set_title(f"{company}: share of its customers by level")
        ax.set_xlabel("step")
        ax.set_xlim(0, steps)
        ax.set_ylim(0, 1)
        if ax is not axes[0]:
            ax.tick_params(labelleft=False)
    axes[0].set_ylabel("share")
    figure.subplots_adjust(left=0.06 / max(len(companies) / 3, 1), right=0.99, bottom=0.14, top=0.9, wspace=0.06)
    return Canvas(figure)


def levels_over_time(data: dict, companies: list[str], path: Path, layout: Canvas | None = None) -> Path:
    step = data["step"][0]
    canvas = layout or levels_layout(companies, int(step[-1]))
    axes = canvas.figure.axes
    for ax, company in zip(axes, companies):
        for level in LEVELS:
            _band(ax, step, data[f"{company}_{level}_share"], COLOURS[level], level)
    axes[-1].legend(loc="upper right", fontsize=8)  # drawn after the lines, as a full drawing would
    return canvas.save(path)


def transitions_layout() -> Canvas:
    from matplotlib.colorbar import make_axes

    figure, (ax,) = _figure(5.6, 4.6)
    ax.set_xticks(range(len(LEVELS)), LEVELS, rotation=30)
    ax.set_yticks(range(len(LEVELS)), LEVELS)
    ax.set_xlim(-0.5, len(LEVELS) - 0.5)  # where the image of the matrix will sit, as imshow places it
    ax.set_ylim(len(LEVELS) - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title("transitions between levels per run (all companies)")
    figure.subplots_adjust(left=0.2, right=0.98, bottom=0.18, top=0.92)
    colourbar, _ = make_axes(ax)  # the colorbar's place; its scale is the data's
    return Canvas(figure, live=[colourbar])


def transitions(data: dict, path: Path, layout: Canvas | None = None) -> Path:
    runs = data["step"].shape[0]
    matrix = np.zeros((len(LEVELS), len(LEVELS)))
    for a, source in enumerate(LEVELS):
        for b, target in enumerate(LEVELS):
            if a != b:
                matrix[a, b] = data[f"{source}_to_{target}"].sum() / runs
    canvas = layout or transitions_layout()
    ax, colourbar = canvas.figure.axes
    image = ax.imshow(np.log10(matrix + 1), cmap="viridis")
    for a in range(len(LEVELS)):
        for b in range(len(LEVELS)):
            if a != b:
                ax.text(b, a, f"{matrix[a, b]:.0f}", ha="center", va="center", color="white", fontsize=8)
    canvas.figure.colorbar(image, cax=colourbar, label="log10(1 + count)")
    return canvas.save(path)


def _company_colours(companies: list[str]) -> list:
    """Each company's colour in the money plot: its lines and its entry in the legend drawn beforehand."""
    from matplotlib import rcParams

    return rcParams["axes.prop_cycle"].by_key()["color"][: len(companies)]


def money_layout(companies: list[str], steps: int) -> Canvas:
    from matplotlib.lines import Line2D

    figure, (left, right) = _figure(11, 4.2, 2)
    left.set_title("cumulative revenue (solid) and cost (dashed)")
    right.set_title("market share")
    for ax in (left, right):
        ax.set_xlabel("step")
        ax.set_xlim(0, steps)
    figure.legend([Line2D([], [], color=colour, lw=1.6) for colour in _company_colours(companies)], companies,
                  loc="lower center", ncol=len(companies), fontsize=9, frameon=False)
    figure.subplots_adjust(left=0.07, right=0.99, bottom=0.22, top=0.91, wspace=0.18)
    return Canvas(figure, live=[left.yaxis, right.yaxis])


def money(data: dict, companies: list[str], path: Path, layout: Canvas | None = None) -> Path:
    step = data["step"][0]
    canvas = layout or money_layout(companies, int(step[-1]))
    left, right = canvas.figure.axes
    for colour, company in zip(_company_colours(companies), companies):
        _band(left, step, np.cumsum(data[f"{company}_revenue"], axis=1), colour, f"{company} revenue")
        _band(left, step, np.cumsum(data[f"{company}_cost"], axis=1), colour, f"{company} cost", "--")
        _band(right, step, data[f"{company}_market_share"], colour, company)
    return canvas.save(path)


def layouts(companies: list[str], steps: int) -> list[Canvas]:
    """The three plots of a run of `steps` steps laid out and rendered without data, in the order of FILES: what
    `draw` fills in."""
    return [levels_layout(companies, steps), transitions_layout(), money_layout(companies, steps)]


def draw(data: dict, companies: list[str], folder: Path, prepared: list | None = None) -> list[Path]:
    """The three plots of a run into `folder`, from `plot_columns` (figures without pyplot: no backend is chosen
    or changed, so a notebook's own backend stays as it is); `prepared`: their `layouts`, used once."""
    folder = Path(folder)
    levels, transitions_, money_ = prepared or (None, None, None)
    return [levels_over_time(data, companies, folder / FILES[0], levels),
            transitions(data, folder / FILES[1], transitions_), money(data, companies, folder / FILES[2], money_)]


def draw_on_two_cores(data: dict, companies: list[str], folder: Path, copy: _Copy | None = None,
                      frames: tuple = (None, None)) -> list[Path]:
    """`draw`, with the levels plot drawn by a forked copy of this process (`_Copy`) while this one draws the other
    two (the simulation has ended, so both cores are free). `copy`: one forked for this run, whose frame may be
    rendered already; `frames`: the transitions and money plots' `layouts`, likewise."""
    folder = Path(folder)
    if copy is None:
        if not hasattr(os, "fork"):
            return draw(data, companies, folder)
        copy = _Copy(levels_layout, (companies, int(data["step"][0][-1])), levels_over_time)
    try:
        copy.draw(data, companies, folder / FILES[0])
        others = [transitions(data, folder / FILES[1], frames[0]), money(data, companies, folder / FILES[2], frames[1])]
        return [copy.wait(), *others]
    except BaseException:  # a plot failed here, or the parent gave the plots up (`PlotProcess.close`): so does the copy
        copy.cancel()
        raise


def run_plots(frame, companies: list[str], folder: Path) -> list[Path]:
    """The three plots of a run's timeseries (a DataFrame of one or more replications), drawn here."""
    return draw(plot_columns(frame, companies), companies, folder)


def _serve(connection) -> None:
    """The plotting child: import matplotlib now; render the plots of the run without their data when told its
    companies and steps (`PlotProcess.prepare`): the levels plot in a forked copy (`_Copy`), the other two here, so
    that both cores render while the model's last steps run; draw the data when they arrive (the copy the levels,
    this process the rest), report the files or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops this process
    signal.signal(signal.SIGTERM, _stop)  # stopped while drawing: take the forked copy down too, then leave
    copy = None
    try:
        import matplotlib.figure  # noqa: F401  (the slow part, done while the parent starts)

        frames, laid_out = None, None
        while (job := connection.recv()) is not None:
            if job[0] == "prepare":
                _, companies, steps = job
                if copy is not None:
                    copy.cancel()
                copy = _Copy(levels_layout, (companies, steps), levels_over_time)
                frames, laid_out = (transitions_layout(), money_layout(companies, steps)), (companies, steps)
                continue
            _, data, companies, folder = job
            if copy is not None and laid_out == (companies, int(data["step"][0][-1])):
                paths = draw_on_two_cores(data, companies, folder, copy, frames)
            else:  # the data of another run than the frames were made for
                if copy is not None:
                    copy.cancel()
                paths = draw_on_two_cores(data, companies, folder)
            copy = None
            connection.send(("ok", [str(p) for p in paths]))
            return
    except BaseException as error:  # reported to the parent, which raises it
        try:
            connection.send(("error", f"{type(error).__name__}: {error}"))
        except OSError:
            pass
    finally:
        if copy is not None:
            copy.cancel()
        connection.close()


class _Copy:
    """A forked copy of the plotting child that renders one plot's frame at once, then waits for the data and
    draws them: `layout(*arguments)` makes the frame, `draw(data, companies, path, frame)` the plot. The data come
    through a pipe (a thread writes them, since the copy reads only once its frame is rendered). If this process
    ends first, the copy reads the pipe's end and leaves without writing anything."""

    def __init__(self, layout, arguments: tuple, draw):
        import pickle

        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: render, wait, draw, leave at once (no atexit handlers, no flushing buffers)
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.close(write)
                frame = layout(*arguments)
                with os.fdopen(read, "rb") as pipe:
                    data, companies, path = pickle.load(pipe)
                draw(data, companies, path, frame)
                code = 0
            finally:
                os._exit(code)
        os.close(read)
        self.pid, self.write, self.path, self.sender = pid, write, None, None

    def draw(self, data: dict, companies: list[str], path: Path) -> None:
        import pickle
        import threading

        payload = pickle.dumps((data, list(companies), path), protocol=pickle.HIGHEST_PROTOCOL)
        self.path = path

        def send() -> None:
            try:
                with os.fdopen(self.write, "wb") as pipe:
                    pipe.write(payload)
            except OSError:  # the copy is gone: `wait` reports it
                pass

        self.sender = threading.Thread(target=send, name="sim-plot-data", daemon=True)
        self.sender.start()

    def wait(self) -> Path:
        """The copy's plot, once it has drawn it."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        self.sender.join()
        if status != 0:
            raise RuntimeError(f"drawing {self.path.name} failed (exit status {status})")
        return self.path

    def cancel(self) -> None:
        """Stop the copy (and wait for it), so that it draws nothing."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = None
        if self.sender is None:
            try:
                os.close(self.write)
            except OSError:
                pass
            self.sender = False


def _stop(signum, frame):
    raise SystemExit(1)


class PlotProcess:
    """Plots drawn in a child process that imports matplotlib, and renders the plots without their data, while the
    run computes (see the module docstring). Start it early, before this process starts threads; `prepare` tells it
    the run's companies and steps (or give them here), `start` hands it the timeseries and returns at once, `result`
    waits.

    Where processes cannot be forked, or the child fails to start, the plots are drawn in this process.
    """

    def __init__(self, companies: list[str] | None = None, steps: int | None = None):
        self.process = self.connection = None
        self._local = None  # (data, companies, folder) to draw here, where there is no child
        self._drawing = False  # the child has the data and has not reported yet
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        try:
            context = multiprocessing.get_context("fork")  # before any thread starts: a plain copy of this process
            self.connection, child = context.Pipe()
            self.process = context.Process(target=_serve, args=(child,), daemon=True, name="sim-plots")
            self.process.start()
            child.close()
        except OSError:
            self.process = self.connection = None
        if companies and steps:
            self.prepare(companies, steps)

    def prepare(self, companies: list[str], steps: int) -> None:
        """Have the child render the plots of a run of `companies` over `steps` steps without their data."""
        self._send(("prepare", list(companies), int(steps)))

    def start(self, frame, companies: list[str], folder: Path) -> None:
        """Hand the plots of `frame` (into `folder`) to the child, which draws them while this process goes on."""
        data = plot_columns(frame, companies)
        if self.process is None:
            self._local = data, companies, folder
            return
        self._send(("draw", data, list(companies), str(folder)))
        self._drawing = True

    def _send(self, message) -> None:
        if self.process is None:
            return
        try:
            self.connection.send(message)
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
            self._drawing = False  # reported: the copy has been reaped
        except (EOFError, OSError) as error:
            raise RuntimeError(f"the plotting process ended without drawing ({error})") from None
        finally:
            self.close()
        if status != "ok":
            raise RuntimeError(f"drawing the plots failed: {result}")
        return [Path(p) for p in result]

    def close(self) -> None:
        """Stop the child at once unless it has reported (the plots are given up, e.g. after Ctrl-C or bad input),
        and with it the copy it forked, so that nothing writes into the run's folder once this returns."""
        if self.process is None:
            return
        if self._drawing:  # SIGTERM: its handler takes the copy down too
            self.process.terminate()
        elif self.process.is_alive():  # no copy yet: SIGKILL is quicker (0.05 s on a bad scenario's exit)
            self.process.kill()
        self.process.join()
        self._drawing = False
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
