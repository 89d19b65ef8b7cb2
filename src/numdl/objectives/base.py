"""What every objective returns: value, gradient and a Hessian (or Gauss-Newton) mat-vec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    """Value of an objective ``f`` at a point, its gradient and curvature action.

    Attributes
    ----------
    value : float
        ``f(x)``.
    grad : ndarray
        ``∇f(x)``, shaped like ``x``.
    hess_mv : callable or None
        ``v -> H v`` with ``H`` the Hessian ``∇²f(x)`` or a symmetric positive
        semi-definite approximation of it (Gauss-Newton); ``None`` when not asked for.
    """

    value: float
    grad: np.ndarray
    hess_mv: Callable[[np.ndarray], np.ndarray] | None = None

    def __add__(self, other: "Evaluation") -> "Evaluation":
        """Sum of two objectives at the same point (e.g. misfit + regularizer)."""
        if self.hess_mv is None or other.hess_mv is None:
            hess = None
        else:
            h1, h2 = self.hess_mv, other.hess_mv
            hess = lambda v: h1(v) + h2(v)  # noqa: E731
        return Evaluation(self.value + other.value, self.grad + other.grad, hess)
