"""Mini-batch training loop for the stochastic optimizers (lecture 12).

For an objective that is a mean over examples, ``f(θ) = (1/n) Σ_i f_i(θ)``, each
epoch shuffles the examples, cuts them into mini-batches ``B`` and takes one optimizer
step per batch with the batch gradient ``g = (1/|B|) Σ_{i∈B} ∇f_i(θ)``, an unbiased
estimate of ``∇f(θ)``. :func:`train` keeps the best iterate (by a validation metric),
counts the work done (gradient evaluations, examples processed) so that runs can be
compared with deterministic solvers at equal cost, and stops with a warning when the
iteration diverges.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from numdl.optim.result import ConvergenceWarning
from numdl.optim.schedules import _check_int
from numdl.optim.transforms import apply_updates
from numdl.utils.validation import as_generator, check_array

__all__ = ["TrainResult", "train"]


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    theta : ndarray
        The best iterate: lowest validation metric (or, without validation, lowest
        epoch-mean training objective) among the starting point and the ends of the
        completed epochs.
    theta_last : ndarray
        The last iterate (when training diverged: the last one with finite entries).
    best_epoch : int
        Epoch after which ``theta`` was reached (``0``: the starting point).
    best_value : float
        Its metric (``inf`` if no epoch was completed and there is no validation).
    history : dict of str to ndarray
        One entry per completed epoch: ``epoch``; ``objective`` (mean of the mini-batch
        objectives over the epoch, weighted by batch size); ``grad_norm`` (norm of the
        weighted mean of the epoch's mini-batch gradients); ``validation`` (if given);
        ``learning_rate`` (of the epoch's last step, if the optimizer has one);
        cumulative ``n_grad_evals`` and ``n_examples``.
    n_epochs : int
        Completed epochs.
    n_grad_evals : int
        Calls of the objective (one value and gradient each), all epochs.
    n_examples : int
        Examples processed by those calls (work units: one epoch is ``n`` of them, the
        cost of one full gradient).
    stopped_early : bool
        Training ended before ``epochs`` epochs (divergence or the callback).
    reason : str
        Why training stopped.
    """

    theta: np.ndarray
    theta_last: np.ndarray
    best_epoch: int
    best_value: float
    history: dict
    n_epochs: int
    n_grad_evals: int
    n_examples: int
    stopped_early: bool
    reason: str

    def __str__(self) -> str:
        return (f"{self.reason}: best epoch {self.best_epoch} (metric {self.best_value:.6g}), "
                f"{self.n_grad_evals} gradient evaluations, {self.n_examples} examples")


def _finite(*values) -> bool:
    return all(bool(np.all(np.isfinite(v))) for v in values)


def train(objective, theta0, optimizer, *, n_examples: int, batch_size: int, epochs: int, seed,
          validation=None, prox=None, callback=None, progress: bool = True) -> TrainResult:
    """Minimize a mean over examples by mini-batch steps of a stochastic optimizer.

    Each epoch draws a random permutation of the ``n`` examples (from the generator
    seeded by ``seed``) and, for the consecutive batches ``B`` of ``batch_size``
    examples (the last one may be smaller):

        g = ∇f_B(θ),    (u, state) = optimizer.update(g, state, θ),    θ ← θ + u,

    followed, when ``prox`` is given, by ``θ ← prox(θ, α_k)`` with ``α_k`` the learning
    rate of the step (proximal SGD, e.g. :class:`~numdl.optim.prox.L1Prox`).

    Parameters
    ----------
    objective : callable
        ``objective(theta, idx) -> Evaluation``: the mean objective over the examples
        ``idx`` (1-D integer array) and its gradient, shaped like ``theta``.
    theta0 : array_like, shape (p,)
        Starting point (not modified).
    optimizer : GradientTransformation
        E.g. from :mod:`numdl.optim.stochastic`.
    n_examples : int
        ``n``, the number of examples (indices ``0 … n−1``).
    batch_size : int
        Examples per mini-batch, ``1 ≤ batch_size ≤ n`` (``n``: full-batch gradient
        descent).
    epochs : int
        Passes over the data, ``≥ 1``.
    seed : int, numpy.random.Generator or None
        Source of the shuffling.
    validation : callable, optional
        ``validation(theta) -> float`` after every epoch (and at ``theta0``), lower is
        better (e.g. validation loss or error rate); selects the best iterate.
    prox : callable, optional
        ``prox(theta, step) -> theta`` applied after every step; needs an optimizer
        with a ``learning_rate`` (all of :mod:`numdl.optim.stochastic`).
    callback : callable, optional
        ``callback(epoch, theta, record)`` after every epoch, ``record`` the epoch's
        history entries; returning ``True`` stops training.
    progress : bool
        Show a progress bar over epochs (only when stderr is a terminal).

    Returns
    -------
    TrainResult

    Notes
    -----
    Stopping: after ``epochs`` epochs; early when the callback returns ``True``; or on
    divergence, when a mini-batch objective or gradient, the parameters after a step
    or the validation metric is not finite. Divergence ends training with a
    :class:`~numdl.optim.ConvergenceWarning` and a ``reason`` naming the epoch; the
    best iterate found before is returned.

    The work counts (``n_grad_evals``, ``n_examples``) include every mini-batch
    gradient, not the validation calls.
    """
    if not callable(objective):
        raise ValueError(f"objective: expected a callable (theta, idx) -> Evaluation, got "
                         f"{type(objective).__name__}")
    theta = check_array(theta0, "theta0", ndim=1, copy=True)
    if not (callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))):
        raise ValueError(f"optimizer: expected a GradientTransformation (init, update), got "
                         f"{type(optimizer).__name__}")
    n = _check_int(n_examples, "n_examples", 1)
    batch_size = _check_int(batch_size, "batch_size", 1)
    if batch_size > n:
        raise ValueError(f"batch_size: expected at most n_examples = {n}, got {batch_size}")
    epochs = _check_int(epochs, "epochs", 1)
    rng = as_generator(seed)
    for name, f in (("validation", validation), ("prox", prox), ("callback", callback)):
        if f is not None and not callable(f):
            raise ValueError(f"{name}: expected a callable, got {type(f).__name__}")
    schedule = getattr(optimizer, "learning_rate", None)
    if prox is not None and schedule is None:
        raise ValueError("prox: the proximal step needs the learning rate, but the optimizer "
                         "has no learning_rate schedule")

    state = optimizer.init(theta)
    best_theta, best_epoch = theta, 0
    best_value = float("inf")
    if validation is not None:
        best_value = float(validation(theta))
        if not np.isfinite(best_value):
            raise ValueError(f"validation: not finite at theta0 (got {best_value})")
    keys = ["epoch", "objective", "grad_norm"]
    keys += ["validation"] if validation is not None else []
    keys += ["learning_rate"] if schedule is not None else []
    history = {k: [] for k in keys + ["n_grad_evals", "n_examples"]}
    n_batches = -(-n // batch_size)
    step = n_grad = n_seen = 0
    failure = None
    stopped_by_callback = False

    bar = tqdm(range(1, epochs + 1), desc="train", unit="epoch", leave=False, file=sys.stderr,
               disable=None if progress else True, dynamic_ncols=True)
    with bar:
        for epoch in bar:
            order = rng.permutation(n)
            value_sum, grad_sum = 0.0, np.zeros_like(theta)
            for b in range(n_batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                ev = objective(theta, idx)
                n_grad += 1
                n_seen += idx.size
                grad = np.asarray(ev.grad)
                if grad.shape != theta.shape:
                    raise ValueError(f"objective: gradient has shape {grad.shape}, expected "
                                     f"{theta.shape} (that of theta0)")
                if not _finite(ev.value, grad):
                    failure = (f"non-finite objective or gradient in epoch {epoch} "
                               f"(mini-batch {b + 1} of {n_batches})")
                    break
                with np.errstate(over="ignore", invalid="ignore"):
                    value_sum += idx.size * float(ev.value)
                    grad_sum += idx.size * grad
                    updates, state = optimizer.update(grad, state, theta)
                    new = apply_updates(theta, updates)
                if not _finite(new):
                    failure = (f"non-finite parameters after the step in epoch {epoch} "
                               f"(mini-batch {b + 1} of {n_batches})")
                    break
                theta = new if prox is None else prox(new, schedule(step))
                step += 1
            if failure is not None:
                break

            with np.errstate(over="ignore", invalid="ignore"):
                record = {"epoch": epoch, "objective": value_sum / n,
                          "grad_norm": float(np.linalg.norm(grad_sum / n))}
            if validation is not None:
                record["validation"] = float(validation(theta))
                if not np.isfinite(record["validation"]):
                    failure = f"non-finite validation metric after epoch {epoch}"
                    break
            if schedule is not None:
                record["learning_rate"] = float(schedule(step - 1))
            record["n_grad_evals"] = n_grad
            record["n_examples"] = n_seen
            for k, v in record.items():
                history[k].append(v)

            metric = record["validation" if validation is not None else "objective"]
            if metric < best_value:
                best_theta, best_epoch, best_value = theta, epoch, metric
            bar.set_postfix({k: f"{record[k]:.4g}" for k in ("objective", "validation") if k in record})
            if callback is not None and callback(epoch, theta.copy(), dict(record)) is True:
                stopped_by_callback = True
                break

    n_epochs = len(history["epoch"])
    if failure is not None:
        reason = f"diverged: {failure}"
        warnings.warn(f"train: {reason}; returning the best iterate (epoch {best_epoch})",
                      ConvergenceWarning, stacklevel=2)
    elif stopped_by_callback:
        reason = f"stopped by the callback after epoch {n_epochs}"
    else:
        reason = f"completed {n_epochs} epochs"
    return TrainResult(
        theta=best_theta.copy(), theta_last=theta.copy(), best_epoch=best_epoch,
        best_value=float(best_value),
        history={k: np.asarray(v, dtype=int if k in ("epoch", "n_grad_evals", "n_examples") else float)
                 for k, v in history.items()},
        n_epochs=n_epochs, n_grad_evals=n_grad, n_examples=n_seen,
        stopped_early=failure is not None or stopped_by_callback, reason=reason)
