"""Binary logistic regression loss, numerically stable for scores of any size (lecture 4).

For scores ``s (n,)`` and labels ``c ∈ [0, 1]^n`` (the probability of class 1),

    E(s) = (1/n) Σ_j ( −c_j s_j + log(1 + exp(s_j)) ),

the negative log-likelihood under ``P(class 1) = σ(s) = 1/(1 + exp(−s))``.
``log(1 + exp(s))`` overflows for ``s ≳ 710`` and loses all digits for ``s ≲ −37`` if
written literally; it is computed as ``softplus(s) = logaddexp(0, s)``
(``= max(s, 0) + log1p(exp(−|s|))``), and ``σ`` with ``scipy.special.expit``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from numdl.checks import ObjectiveCase, register_check
from numdl.losses.base import LossResult, chain_rule_W
from numdl.utils.validation import check_array

__all__ = ["logistic_loss", "check_binary_labels"]


def check_binary_labels(c, name: str = "c", *, shape=None, atol: float = 1e-6) -> np.ndarray:
    """Validate binary labels: entries in ``[0, 1]`` (probability of class 1).

    ``c`` has shape ``(n,)`` or ``(1, n)``; the error names the first bad column
    (example) ``j``.
    """
    c = check_array(c, name, shape=shape)
    if c.ndim not in (1, 2) or (c.ndim == 2 and c.shape[0] != 1):
        raise ValueError(f"{name}: expected shape (n,) or (1, n), got {c.shape}")
    bad = np.flatnonzero((c.reshape(-1) < -atol) | (c.reshape(-1) > 1 + atol))
    if bad.size:
        raise ValueError(f"{name}: entries must lie in [0, 1] (probability of class 1); "
                         f"column {int(bad[0])} does not")
    return c


def _logistic(s, c) -> LossResult:
    """Logistic loss without input checks (see :func:`logistic_loss`)."""
    n = s.shape[-1]
    p = expit(s)
    value = (np.sum(np.logaddexp(0, s)) - np.sum(c * s)) / n
    d = p * (1 - p) / n
    return LossResult(float(value), (p - c) / n, lambda u: d * u)


def logistic_loss(s, c) -> LossResult:
    """Logistic regression loss ``E(s) = (1/n) Σ_j (softplus(s_j) − c_j s_j)``.

    Parameters
    ----------
    s : array_like, shape (n,) or (1, n)
        Scores (log-odds of class 1), float64 or float32.
    c : array_like, same shape as ``s``
        Probability of class 1 for each example, in ``[0, 1]`` (0/1 for hard labels).

    Returns
    -------
    LossResult
        ``value``; ``grad = (1/n)(σ(s) − c)``; ``hess_mv(u) = (1/n) σ(s)(1 − σ(s)) ⊙ u``
        (the Hessian is diagonal). Arrays are shaped like ``s``.

    Raises
    ------
    ValueError
        On shape mismatch, NaN / inf, or labels outside ``[0, 1]`` (naming the
        first bad column).

    Notes
    -----
    ``d/ds softplus(s) = σ(s)`` and ``σ' = σ(1 − σ) ∈ (0, 1/4]``, so ``E`` is convex.
    With two classes and ``s = s_1 − s_0`` this is the softmax cross-entropy.
    Lecture 4.
    """
    s = check_array(s, "s")
    if s.ndim not in (1, 2) or (s.ndim == 2 and s.shape[0] != 1):
        raise ValueError(f"s: expected shape (n,) or (1, n), got {s.shape}")
    c = check_binary_labels(c, "c", shape=s.shape)
    return _logistic(s, c.astype(s.dtype, copy=False))


@register_check("logistic/s")
def _check_logistic_s(rng):
    n = 12
    c = np.where(rng.uniform(size=n) < 0.5, 0.0, 1.0)
    c[::3] = rng.uniform(size=c[::3].size)
    return ObjectiveCase(lambda s: _logistic(s, c), 3 * rng.standard_normal(n))


@register_check("logistic/W-bias")
def _check_logistic_W(rng):
    n_f, n = 3, 11
    Y1 = np.vstack([rng.standard_normal((n_f, n)), np.ones((1, n))])
    c = (rng.uniform(size=(1, n)) < 0.5).astype(float)
    return ObjectiveCase(lambda w: chain_rule_W(_logistic(w @ Y1, c), Y1),
                         rng.standard_normal((1, n_f + 1)))
