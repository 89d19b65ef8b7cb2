"""Stochastic average approximation (SAA): deterministic solves on a sequence of fixed samples (lecture 12).

For an objective that is a mean over ``n`` examples, ``f(θ) = (1/n) Σ_i f_i(θ)``,
SAA replaces ``f`` by the mean over a random sample ``I`` of ``s`` examples,
``f_I(θ) = (1/s) Σ_{i∈I} f_i(θ)``, a *deterministic* function that a second-order
method (Newton-CG, Gauss-Newton) can minimize with line searches and stopping tests —
unlike SGD, whose mini-batch changes every step. A new sample, warm-started from the
last solution, guards against fitting one sample too closely; a validation metric
picks the best round.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from tqdm.auto import tqdm

from numdl.objectives.base import Evaluation
from numdl.optim import newton_cg, steepest_descent
from numdl.utils.validation import as_generator, check_array

__all__ = ["SAAResult", "saa"]

_SOLVERS = {"newton": newton_cg, "sd": steepest_descent}


@dataclass(frozen=True)
class SAAResult:
    """Outcome of :func:`saa`.

    Attributes
    ----------
    theta : ndarray
        The best iterate: lowest validation metric among the starting point and the
        ends of the rounds; without validation, the last iterate.
    theta_last : ndarray
        The solution of the last round.
    best_round : int
        Round after which ``theta`` was reached (``0``: the starting point).
    best_value : float
        Its validation metric (``nan`` without validation).
    history : dict of str to ndarray
        One entry per round: ``round``; ``objective`` (the sample objective at the
        round's solution); ``grad_norm`` (its stationarity measure); ``n_iter``
        (solver iterations); ``converged`` (1 if the solver met its stopping rule);
        ``validation`` (if given); cumulative ``n_grad_evals``, ``n_hess_mv`` and
        ``n_examples``.
    n_rounds : int
        Completed rounds (samples drawn and solved).
    n_grad_evals : int
        Calls of the sample objectives (one value and gradient each).
    n_hess_mv : int
        Hessian (Gauss-Newton) mat-vecs applied.
    n_examples : int
        Work: ``sample_size · (n_grad_evals + n_hess_mv)``, examples processed.
    reason : str
        Why the run stopped.
    """

    theta: np.ndarray
    theta_last: np.ndarray
    best_round: int
    best_value: float
    history: dict
    n_rounds: int
    n_grad_evals: int
    n_hess_mv: int
    n_examples: int
    reason: str

    def __str__(self) -> str:
        return (f"{self.reason}: best round {self.best_round} (metric {self.best_value:.6g}), "
                f"{self.n_grad_evals} gradient evaluations, {self.n_hess_mv} Hessian mat-vecs, "
                f"{self.n_examples} examples")


class _Counted:
    """``fun`` with its calls and the Hessian mat-vecs of its evaluations counted."""

    def __init__(self, fun):
        self.fun = fun
        self.n_fun = 0
        self.n_hess = 0

    def __call__(self, x) -> Evaluation:
        ev = self.fun(x)
        self.n_fun += 1
        hess = getattr(ev, "hess_mv", None)
        if hess is None:
            return Evaluation(ev.value, ev.grad)

        def hess_mv(v):
            self.n_hess += 1
            return hess(v)

        return Evaluation(ev.value, ev.grad, hess_mv)


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def saa(make_objective, theta0, *, n_examples: int, sample_size: int, n_samples: int,
        solver: str = "newton", solver_kwargs=None, validation=None, max_examples=None, seed=None,
        callback=None, progress: bool = True) -> SAAResult:
    """Minimize a mean over examples by deterministic solves on successive random samples.

    Round ``r = 1 … n_samples``: draw a sample ``I_r`` of ``sample_size`` distinct
    examples (uniformly, from the generator seeded by ``seed``), then

        θ_r = solver(f_{I_r}, x0 = θ_{r−1}),

    i.e. minimize the sample objective from the previous round's solution (warm start),
    and evaluate ``validation(θ_r)``.

    Parameters
    ----------
    make_objective : callable
        ``make_objective(idx) -> fun`` with ``fun(theta) -> Evaluation`` the objective
        on the examples ``idx`` (sorted 1-D integer array), e.g.
        ``lambda idx: functools.partial(obj, idx=idx)`` for a
        :class:`~numdl.objectives.NetworkObjective` ``obj``.
    theta0 : array_like, shape (p,)
        Starting point (not modified).
    n_examples : int
        ``n``, the number of examples (indices ``0 … n−1``).
    sample_size : int
        ``s``, examples per sample, ``1 ≤ s ≤ n``.
    n_samples : int
        Number of rounds (samples), ``≥ 1``.
    solver : {"newton", "sd"}
        :func:`~numdl.optim.newton_cg` (needs ``hess_mv``) or
        :func:`~numdl.optim.steepest_descent`.
    solver_kwargs : dict, optional
        Keyword arguments of the solver (``rtol``, ``maxiter``, ``cg_maxiter``, …).
    validation : callable, optional
        ``validation(theta) -> float``, lower is better (validation loss or error
        rate); selects the best round.
    max_examples : int, optional
        Work budget: no new round starts once ``n_examples`` (below) reaches it.
    seed : int, numpy.random.Generator or None
        Source of the samples.
    callback : callable, optional
        ``callback(round, theta, record)`` after every round with the round's history
        entries; returning ``True`` stops.
    progress : bool
        Show a progress bar over rounds (only when stderr is a terminal).

    Returns
    -------
    SAAResult

    Notes
    -----
    Stopping: after ``n_samples`` rounds, when the work budget is spent, or when the
    callback returns ``True``.

    Work is counted in examples processed, to compare with SGD at equal cost
    (:func:`~numdl.optim.train` counts the same unit): every call of a sample
    objective (value and gradient: one forward and one adjoint pass over ``s``
    examples) and every Hessian mat-vec (a Gauss-Newton mat-vec costs one linearized
    forward and one adjoint pass, like a gradient) counts ``s``. The validation calls
    are not counted.
    """
    if not callable(make_objective):
        raise ValueError(f"make_objective: expected a callable idx -> (theta -> Evaluation), got "
                         f"{type(make_objective).__name__}")
    theta = check_array(theta0, "theta0", ndim=1, copy=True)
    n = _check_count(n_examples, "n_examples", 1)
    s = _check_count(sample_size, "sample_size", 1)
    if s > n:
        raise ValueError(f"sample_size: expected at most n_examples = {n}, got {s}")
    rounds = _check_count(n_samples, "n_samples", 1)
    if solver not in _SOLVERS:
        raise ValueError(f"solver: expected one of {', '.join(map(repr, _SOLVERS))}, got {solver!r}")
    kwargs = dict(solver_kwargs or {})
    budget = None if max_examples is None else _check_count(max_examples, "max_examples", 1)
    for name, f in (("validation", validation), ("callback", callback)):
        if f is not None and not callable(f):
            raise ValueError(f"{name}: expected a callable, got {type(f).__name__}")
    rng = as_generator(seed)
    solve = _SOLVERS[solver]

    best_theta, best_round, best_value = theta, 0, float("nan")
    if validation is not None:
        best_value = float(validation(theta))
        if not np.isfinite(best_value):
            raise ValueError(f"validation: not finite at theta0 (got {best_value})")
    keys = ["round", "objective", "grad_norm", "n_iter", "converged"]
    keys += ["validation"] if validation is not None else []
    history = {k: [] for k in keys + ["n_grad_evals", "n_hess_mv", "n_examples"]}
    n_fun = n_hess = 0
    reason = f"completed {rounds} rounds"

    bar = tqdm(range(1, rounds + 1), desc="saa", unit="round", leave=False, file=sys.stderr,
               disable=None if progress else True, dynamic_ncols=True)
    with bar:
        for r in bar:
            if budget is not None and s * (n_fun + n_hess) >= budget:
                reason = f"work budget of {budget} examples spent after {r - 1} rounds"
                break
            idx = np.sort(rng.choice(n, size=s, replace=False))
            fun = _Counted(make_objective(idx))
            res = solve(fun, theta, **kwargs)
            theta = res.x
            n_fun, n_hess = n_fun + fun.n_fun, n_hess + fun.n_hess
            record = {"round": r, "objective": res.value, "grad_norm": res.grad_norm,
                      "n_iter": res.n_iter, "converged": int(res.converged)}
            if validation is not None:
                record["validation"] = float(validation(theta))
            record.update(n_grad_evals=n_fun, n_hess_mv=n_hess, n_examples=s * (n_fun + n_hess))
            for k, v in record.items():
                history[k].append(v)
            if validation is None:
                best_theta, best_round = theta, r
            elif record["validation"] < best_value:
                best_theta, best_round, best_value = theta, r, record["validation"]
            bar.set_postfix({k: f"{record[k]:.4g}" for k in ("objective", "validation") if k in record})
            if callback is not None and callback(r, theta.copy(), dict(record)) is True:
                reason = f"stopped by the callback after round {r}"
                break

    ints = ("round", "n_iter", "converged", "n_grad_evals", "n_hess_mv", "n_examples")
    return SAAResult(
        theta=np.array(best_theta), theta_last=np.array(theta), best_round=best_round,
        best_value=best_value,
        history={k: np.asarray(v, dtype=int if k in ints else float) for k, v in history.items()},
        n_rounds=len(history["round"]), n_grad_evals=n_fun, n_hess_mv=n_hess,
        n_examples=s * (n_fun + n_hess), reason=reason)
