"""Optimizers (lectures 5–6 and 12).

Deterministic, one interface ``fun(x) -> Evaluation``:

* :func:`steepest_descent` — Armijo backtracking, step growth, maximal step;
* :func:`newton_cg` — inexact Newton with (preconditioned) truncated CG;
* both take ``bounds=(lower, upper)`` for projected variants;
* :func:`armijo_backtracking` — the (projected) Armijo line search they share.

Every deterministic solver returns an :class:`OptimizeResult` ``(x, value, grad_norm,
converged, reason, n_iter, history)`` and warns with :class:`ConvergenceWarning` when
it stops on a failure.

Stochastic, in the optax style: pure ``init`` / ``update`` transforms
(:mod:`~numdl.optim.transforms`) chained into :func:`sgd`, :func:`momentum`,
:func:`nesterov`, :func:`adagrad`, :func:`rmsprop`, :func:`adam`; learning-rate
:mod:`~numdl.optim.schedules`; the mini-batch loop :func:`train`; the L1 proximal
step :class:`L1Prox`.
"""

from numdl.optim import schedules
from numdl.optim.bounds import Box
from numdl.optim.linesearch import LineSearchResult, armijo_backtracking
from numdl.optim.newton_cg import CGResult, newton_cg, truncated_cg
from numdl.optim.prox import L1Prox, soft_threshold
from numdl.optim.result import ConvergenceWarning, OptimizeResult
from numdl.optim.steepest_descent import steepest_descent
from numdl.optim.stochastic import adagrad, adam, momentum, nesterov, rmsprop, sgd
from numdl.optim.training import TrainResult, train
from numdl.optim.transforms import (
    GradientTransformation,
    add_decayed_weights,
    apply_updates,
    chain,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    scale_by_schedule,
    trace,
)

__all__ = [
    "Box", "CGResult", "ConvergenceWarning", "LineSearchResult", "OptimizeResult",
    "armijo_backtracking", "newton_cg", "steepest_descent", "truncated_cg",
    "schedules", "L1Prox", "soft_threshold", "TrainResult", "train",
    "adagrad", "adam", "momentum", "nesterov", "rmsprop", "sgd",
    "GradientTransformation", "add_decayed_weights", "apply_updates", "chain", "scale",
    "scale_by_adam", "scale_by_learning_rate", "scale_by_rms", "scale_by_rss",
    "scale_by_schedule", "trace",
]
