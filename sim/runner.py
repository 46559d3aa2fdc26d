"""Running replications: one seed per replication, in parallel on local cores, results as they finish.

Replication r of a scenario with seed s runs with Mesa rng seed `replication_seed(s, r)`; the same
(s, r) gives the same bytes whatever else is run, which is what paired policy comparisons rely on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import pandas as pd

from .kernels import single_threaded
from .model import EngagementModel
from .scenario import Scenario


def replication_seed(seed: int, replication: int) -> int:
    """The Mesa seed of a replication: the scenario seed plus the replication number."""
    return int(seed) + int(replication)


def run_one(scenario: Scenario, replication: int = 0, steps: int | None = None,
            progress: bool = False) -> pd.DataFrame:
    """Run one replication to the end and return its timeseries (with a bar over steps if `progress`)."""
    model = EngagementModel(scenario, rng=replication_seed(scenario.data["seed"], replication))
    model.run(steps, progress=progress)
    return model.timeseries(replication)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_replications(scenario: Scenario, replications: list[int], workers: int = 1, steps: int | None = None,
                     progress: bool = True, description: str | None = None,
                     on_result: Callable[[int, pd.DataFrame], None] | None = None,
                     ) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield (replication, timeseries) as each finishes; a process pool when workers > 1.

    Finished replications are handed to `on_result` (and yielded) at once, so an interruption loses
    only the replications still running.
    """
    from tqdm.auto import tqdm

    single = len(replications) == 1  # one long run: show progress over its steps instead
    bar = tqdm(total=len(replications), desc=description or scenario.name, unit="run", disable=not progress or single)
    try:
        if workers <= 1 or single:
            for r in replications:
                frame = run_one(scenario, r, steps, progress=progress and single)
                bar.update()
                if on_result:
                    on_result(r, frame)
                yield r, frame
            return
        with ProcessPoolExecutor(max_workers=workers, initializer=single_threaded) as pool:
            pending = {pool.submit(run_one, scenario, r, steps): r for r in replications}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        r = pending.pop(future)
                        frame = future.result()
                        bar.update()
                        if on_result:
                            on_result(r, frame)
                        yield r, frame
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
    finally:
        bar.close()
