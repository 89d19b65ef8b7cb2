"""Bound constraints ``lower ≤ x ≤ upper``: projection, projected gradient, active set.

Used by the projected variants of the optimizers (``bounds=`` argument), e.g. for
``θ ≥ 0`` in the M-matrix kernels of lecture 13.
"""

from __future__ import annotations

import numpy as np

from numdl.utils.validation import check_array

__all__ = ["Box"]


class Box:
    """The box ``{x : lower ≤ x ≤ upper}`` (entries may be ``−inf`` / ``+inf``).

    Parameters
    ----------
    bounds : tuple (lower, upper)
        Scalars or arrays broadcastable to ``shape``; ``None`` for no bound on that side.
    shape : tuple of int
        Shape of ``x``.
    dtype : dtype
    """

    def __init__(self, bounds, shape, dtype=np.float64):
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise ValueError(f"bounds: expected a pair (lower, upper), got {bounds!r}")
        sides = []
        for name, b, default in (("lower", bounds[0], -np.inf), ("upper", bounds[1], np.inf)):
            b = default if b is None else b
            b = check_array(b, f"bounds[{name}]", finite=False, dtype=dtype)
            if np.any(np.isnan(b)):
                raise ValueError(f"bounds[{name}]: contains NaN")
            try:
                sides.append(np.broadcast_to(b, shape))
            except ValueError:
                raise ValueError(f"bounds[{name}]: shape {b.shape} does not broadcast to the shape "
                                 f"{shape} of x") from None
        self.lower, self.upper = sides
        if np.any(self.lower > self.upper):
            j = int(np.flatnonzero((self.lower > self.upper).reshape(-1))[0])
            raise ValueError(f"bounds: lower > upper at entry {j}")

    def project(self, x) -> np.ndarray:
        """``P(x) = min(max(x, lower), upper)``, the closest point of the box."""
        return np.clip(x, self.lower, self.upper)

    def projected_gradient(self, x, g) -> np.ndarray:
        """``x − P(x − g)``: zero exactly at the stationary points of the box problem."""
        return x - self.project(x - g)

    def active(self, x, g, eps: float) -> np.ndarray:
        """Boolean mask of the ε-active variables: within ``eps`` of a bound with the
        gradient pushing outwards (``g > 0`` at the lower, ``g < 0`` at the upper bound)."""
        return ((x <= self.lower + eps) & (g > 0)) | ((x >= self.upper - eps) & (g < 0))


def start_in_box(bounds, x) -> tuple[Box | None, np.ndarray]:
    """``(box, x)``: the :class:`Box` of ``bounds`` for ``x``'s shape and dtype and ``x``
    projected onto it, or ``(None, x)`` without bounds (``bounds=None``)."""
    if bounds is None:
        return None, x
    box = Box(bounds, x.shape, x.dtype)
    return box, box.project(x)


def stationarity(box, x, g) -> float:
    """The stationarity measure of the stopping rules: ``‖g‖``, or with a box the norm
    ``‖x − P(x − g)‖`` of the projected gradient."""
    return float(np.linalg.norm(g if box is None else box.projected_gradient(x, g)))
