"""Simulation noise across the prior: how much one run's figures scatter, as a function of the parameters.

The posterior's likelihood adds the simulation noise of a candidate's runs to each target's sd. That noise
is not the same everywhere: a share counted from few people (the share hostile at a low failure rate)
scatters less than one counted from many. Measured at the prior's centre alone it is too small wherever
the figure is larger, and the posterior there is too narrow. So the pilot runs a few seeds at the centre
and at two points along each parameter's axis (20% and 80% of its fitting range), and each target's noise
is modelled as log-linear in the parameters on their fitting scale, fitted by least squares to the log of
the sd measured at each point. Inside the prior box the model is monotone in each parameter, so its
smallest value, which sets the likelihood's largest density, is at a corner.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .targets_file import TargetsFile

AXIAL = (0.2, 0.8)  # where along each parameter's fitting range the pilot measures, besides the centre


def pilot_points(targets_file: TargetsFile) -> list[np.ndarray]:
    """Points of the pilot on the unit box of fitting scales: the centre, then 0.2 and 0.8 along each axis."""
    d = len(targets_file.parameters)
    points = [np.full(d, 0.5)]
    for i, where in itertools.product(range(d), AXIAL):
        point = np.full(d, 0.5)
        point[i] = where
        points.append(point)
    return points


def to_values(targets_file: TargetsFile, unit: np.ndarray) -> dict:
    """Parameter values (by dotted key) at a point of the unit box of fitting scales."""
    return {p.key: p.from_fit_scale(p.fit_low + u * (p.fit_high - p.fit_low))
            for p, u in zip(targets_file.parameters, unit, strict=True)}


def to_unit(targets_file: TargetsFile, fit_scale: np.ndarray) -> np.ndarray:
    """A point on the fitting scales (pyabc's p0, p1, ...) as a point of the unit box."""
    lows = np.array([p.fit_low for p in targets_file.parameters])
    highs = np.array([p.fit_high for p in targets_file.parameters])
    return (np.asarray(fit_scale, float) - lows) / (highs - lows)


@dataclass
class NoiseModel:
    """sd of one run of each target at a point u of the unit box: exp(intercept + slopes . u)."""

    names: list[str]
    intercept: np.ndarray  # per target
    slopes: np.ndarray  # [target, parameter]
    measured: list[dict]  # per pilot point: its unit coordinates and the sd of each target there

    def sd(self, unit: np.ndarray) -> np.ndarray:
        return np.exp(self.intercept + self.slopes @ np.clip(np.asarray(unit, float), 0.0, 1.0))

    def at_centre(self) -> dict[str, float]:
        return dict(zip(self.names, map(float, self.sd(np.full(self.slopes.shape[1], 0.5))), strict=True))

    def _at_corners(self) -> np.ndarray:
        """sd of each target at each corner of the box [target, corner], where its extremes lie (monotone)."""
        corners = np.array(list(itertools.product((0.0, 1.0), repeat=self.slopes.shape[1])))
        return np.exp(self.intercept[:, None] + self.slopes @ corners.T)

    def smallest(self) -> np.ndarray:
        """The smallest sd of each target anywhere in the box."""
        return self._at_corners().min(axis=1)

    def largest(self) -> np.ndarray:
        """The largest sd of each target anywhere in the box."""
        return self._at_corners().max(axis=1)


FLOOR = 1e-9  # an sd of zero (a figure that did not move) as a tiny positive number, so its log exists


def fit(targets_file: TargetsFile, points: list[np.ndarray], figures: list) -> NoiseModel:
    """The noise model from the pilot's figures (one DataFrame of runs per point, a column per target)."""
    names = [t.name for t in targets_file.targets]
    d = len(targets_file.parameters)
    design = np.column_stack([np.ones(len(points)), np.array(points)])
    sds = np.array([[float(frame[name].std(ddof=1)) for name in names] for frame in figures])  # [point, target]
    sds = np.where(np.isfinite(sds), sds, 0.0)
    coefficients, *_ = np.linalg.lstsq(design, np.log(np.maximum(sds, FLOOR)), rcond=None)  # [1 + d, target]
    measured = [{"unit": [round(float(u), 3) for u in point], **dict(zip(names, map(float, row), strict=True))}
                for point, row in zip(points, sds, strict=True)]
    return NoiseModel(names, coefficients[0], coefficients[1:].T.reshape(len(names), d), measured)


def describe(model: NoiseModel) -> str:
    """One line per target for the report: the noise at the centre and its range over the prior."""
    low, high, centre = model.smallest(), model.largest(), model.at_centre()
    return "; ".join(f"{name} {centre[name]:.3g} ({a:.3g} to {b:.3g})"
                     for name, a, b in zip(model.names, low, high, strict=True))


def runs_per_point(pilot: int, parameters: int) -> int:
    """Seeds at each pilot point: the pilot's runs shared out, at least 3 (an sd needs a few)."""
    return max(3, math.ceil(pilot / (1 + 2 * parameters)))
