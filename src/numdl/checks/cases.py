"""Checkable objects and the checks each kind receives.

A *case* is an object configured at one point, ready to be checked:

* :class:`MapCase` — a differentiable map ``f(x)`` with ``J v`` and ``Jᵀ w``:
  Taylor test of ``J v``, adjoint test of ``(J, Jᵀ)``.
* :class:`ObjectiveCase` — a scalar objective whose ``evaluate(x)`` returns an object
  with ``value``, ``grad`` and optionally ``hess_mv``: Taylor test of the gradient,
  Taylor test of the Hessian (third order), symmetry of the Hessian (adjoint test of
  ``H`` against itself).
* :class:`LayerCase` — an object following the layer protocol (STYLE.md §1):
  ``forward(theta, Y) -> (Z, cache)``, ``jac_theta_mv``, ``jac_theta_tmv``,
  ``jac_y_mv``, ``jac_y_tmv``: Taylor and adjoint tests in ``theta`` and in ``Y``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from numdl.checks.adjoint import adjoint_test
from numdl.checks.taylor import taylor_test


@dataclass(frozen=True)
class CheckResult:
    """One check of one case: which test, whether it passed and a one-line detail."""

    case: str
    test: str
    passed: bool
    detail: str
    result: Any = None


@dataclass(frozen=True)
class MapCase:
    """A map ``fun: x -> f(x)`` with ``jvp(v) = J(x) v`` and ``vjp(w) = J(x)ᵀ w`` at ``x``."""

    fun: Callable
    x: np.ndarray
    jvp: Callable
    vjp: Callable | None = None

    def run(self, name: str, seed=0) -> list[CheckResult]:
        out = []
        t = taylor_test(self.fun, self.x, jvp=self.jvp, seed=seed)
        out.append(CheckResult(name, "taylor", t.passed, t.summary(), t))
        if self.vjp is not None:
            fx = np.asarray(self.fun(self.x))
            a = adjoint_test(self.jvp, self.vjp, self.x.shape, fx.shape, dtype=self.x.dtype, seed=seed)
            out.append(CheckResult(name, "adjoint", a.passed, a.summary(), a))
        return out


@dataclass(frozen=True)
class ObjectiveCase:
    """A scalar objective: ``evaluate(x)`` returns an object with ``value``, ``grad``
    (shaped like ``x``) and optionally ``hess_mv`` (a callable ``v -> ∇²f(x) v``)."""

    evaluate: Callable
    x: np.ndarray

    def run(self, name: str, seed=0) -> list[CheckResult]:
        ev = self.evaluate(self.x)

        def value(z):
            return self.evaluate(z).value

        out = []
        t = taylor_test(value, self.x, grad=ev.grad, seed=seed)
        out.append(CheckResult(name, "taylor-grad", t.passed, t.summary(), t))
        hess_mv = getattr(ev, "hess_mv", None)
        if hess_mv is not None:
            t2 = taylor_test(value, self.x, grad=ev.grad, hess_mv=hess_mv, seed=seed)
            out.append(CheckResult(name, "taylor-hess", t2.passed, t2.summary(), t2))
            a = adjoint_test(hess_mv, hess_mv, self.x.shape, self.x.shape, dtype=self.x.dtype, seed=seed)
            out.append(CheckResult(name, "hess-symmetry", a.passed, a.summary(), a))
        return out


@dataclass(frozen=True)
class LayerCase:
    """An object of the layer protocol at parameters ``theta`` and input ``Y``."""

    layer: Any
    theta: np.ndarray
    Y: np.ndarray

    def run(self, name: str, seed=0) -> list[CheckResult]:
        layer, theta, Y = self.layer, self.theta, self.Y
        Z, cache = layer.forward(theta, Y)
        out = []
        t = taylor_test(lambda th: layer.forward(th, Y)[0], theta,
                        jvp=lambda v: layer.jac_theta_mv(v, theta, Y, cache), seed=seed)
        out.append(CheckResult(name, "taylor-theta", t.passed, t.summary(), t))
        t = taylor_test(lambda y: layer.forward(theta, y)[0], Y,
                        jvp=lambda v: layer.jac_y_mv(v, theta, Y, cache), seed=seed)
        out.append(CheckResult(name, "taylor-Y", t.passed, t.summary(), t))
        a = adjoint_test(lambda v: layer.jac_theta_mv(v, theta, Y, cache),
                         lambda w: layer.jac_theta_tmv(w, theta, Y, cache),
                         theta.shape, Z.shape, dtype=theta.dtype, seed=seed)
        out.append(CheckResult(name, "adjoint-theta", a.passed, a.summary(), a))
        a = adjoint_test(lambda v: layer.jac_y_mv(v, theta, Y, cache),
                         lambda w: layer.jac_y_tmv(w, theta, Y, cache),
                         Y.shape, Z.shape, dtype=Y.dtype, seed=seed)
        out.append(CheckResult(name, "adjoint-Y", a.passed, a.summary(), a))
        return out
