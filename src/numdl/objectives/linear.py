"""The objective of a linear classifier, as a function of the flat weights ``theta`` (lectures 4–6).

For features ``Y (n_f, n)``, labels ``C`` and weights ``W``,

    Φ(theta) = E(W Ỹ, C) + (λ/2) ‖W‖² + R(theta),      W = theta.reshape(n_out, n_f + b)

where ``Ỹ = [Y; eᵀ]`` carries a row of ones when there is a bias (``b = 1``: the bias
is the **last column** of ``W``), ``E`` is a loss of the scores (mean over examples,
see :mod:`numdl.losses`), ``(λ/2)‖W‖²`` is weight decay (by default without the bias
column) and ``R`` an optional regularizer on the same flat ``theta``.

Flattening: ``theta = W.reshape(-1)`` in C order, i.e. the rows of ``W`` (one per
class, each ``n_f`` weights followed by the bias) are contiguous. The same layout is
used by :mod:`numdl.regularizers`.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from numdl.checks import ObjectiveCase, register_check
from numdl.losses.base import _random_labels, chain_rule_W, chain_rule_Y
from numdl.losses.logistic import _logistic, check_binary_labels
from numdl.losses.softmax import _softmax_ce
from numdl.losses.squared import _softmax_squared, _squared
from numdl.objectives.base import Evaluation
from numdl.utils.validation import as_generator, check_array, check_labels

__all__ = ["LinearClassifierObjective", "loss_in_features"]

#: Unchecked loss kernels ``(S, C) -> LossResult``; inputs are validated once, up front.
_KERNELS = {
    "softmax": _softmax_ce,
    "logistic": _logistic,
    "squared": _squared,
    "softmax-squared": _softmax_squared,
}


def _check_loss(loss) -> str:
    if loss not in _KERNELS:
        raise ValueError(f"loss: expected one of {', '.join(map(repr, _KERNELS))}, got {loss!r}")
    return loss


def _check_loss_labels(C, loss: str, n: int, name: str = "C") -> np.ndarray:
    """Labels in the form the loss needs, shape ``(n_out, n)``.

    ``softmax`` / ``softmax-squared``: class probabilities ``(n_c, n)``;
    ``squared``: any finite targets ``(n_c, n)``; ``logistic``: the probability of
    class 1 as ``(1, n)``, or two-class probability columns ``(2, n)`` (row 1 is used).
    """
    if loss == "squared":
        return check_array(C, name, shape=(None, n))
    if loss == "logistic":
        C = check_array(C, name, ndim=2)
        if C.shape[0] == 2:
            return check_labels(C, name, n=n)[1:]
        if C.shape[0] != 1:
            raise ValueError(f"{name}: loss='logistic' needs labels of shape (1, n) (probability "
                             f"of class 1) or (2, n) (two-class probabilities), got {C.shape}")
        return check_binary_labels(C, name, shape=(1, n))
    return check_labels(C, name, n=n)


def _class_labels(C, loss: str, name: str = "C") -> np.ndarray:
    """Integer class of each example from labels ``C`` (or ``C`` itself if 1-D integers)."""
    C = np.asarray(C)
    if C.ndim == 1:
        return check_array(C, name).astype(int)
    C = check_array(C, name, ndim=2)
    if loss == "logistic" and C.shape[0] == 1:
        return (C[0] > 0.5).astype(int)
    return np.argmax(C, axis=0)


class LinearClassifierObjective:
    """Loss of a linear classifier plus weight decay and a regularizer, over flat ``theta``.

    ``Φ(theta) = E(W Ỹ, C) + (λ/2)‖M ⊙ W‖² + R(theta)`` with
    ``W = theta.reshape(n_out, n_f + bias)``, ``Ỹ = [Y; eᵀ]`` (with bias) or ``Y``,
    and ``M`` the mask of penalized weights (all ones, or zero on the bias column).

    Parameters
    ----------
    Y : array_like, shape (n_f, n)
        Features, one column per example (float64, or float32 to compute in float32).
    C : array_like
        Labels, one column per example: class probabilities / one-hot ``(n_c, n)``
        for ``loss="softmax"`` and ``"softmax-squared"``; any targets ``(n_c, n)`` for
        ``"squared"``; for ``"logistic"`` the probability of class 1 ``(1, n)`` or
        two-class columns ``(2, n)``.
    loss : {"softmax", "logistic", "squared", "softmax-squared"}
        The loss ``E`` of the scores ``S = W Ỹ`` (mean over examples); see
        :mod:`numdl.losses`. ``"logistic"`` uses one row of weights (``n_out = 1``),
        the others one row per class (``n_out = n_c``).
    bias : bool
        Append a bias: ``W`` has ``n_f + 1`` columns, the last one multiplies a row of
        ones.
    lam : float
        Weight decay ``λ ≥ 0``.
    penalize_bias : bool
        Include the bias column in the weight decay (default: no, as in
        scikit-learn's ``LogisticRegression``).
    regularizer : callable, optional
        ``regularizer(theta) -> Evaluation`` on the same flat ``theta`` (same layout,
        bias column included), e.g. :func:`numdl.regularizers.smoothness_regularizer`
        built with the same ``bias``. Its value, gradient and Hessian mat-vec are added.

    Attributes
    ----------
    shape : tuple of int
        ``(n_out, n_f + bias)``, the shape of ``W``.
    n_params : int
        Length of ``theta``.
    n : int
        Number of examples.

    Notes
    -----
    Calling the objective returns an :class:`~numdl.objectives.Evaluation`:

    * ``grad = vec(∇_S E Ỹᵀ) + λ vec(M ⊙ W) + ∇R``;
    * ``hess_mv(v) = vec(∇²_S E[V Ỹ] Ỹᵀ) + λ vec(M ⊙ V) + ∇²R v``, ``V = mat(v)``
      (the exact Hessian: ``S`` is linear in ``W``; :func:`numdl.losses.chain_rule_W`).

    ``obj(theta, idx=...)`` evaluates the loss on the examples ``idx`` only (mean over
    them; regularization in full), for mini-batch methods. Lectures 4–6.

    Examples
    --------
    >>> import numpy as np
    >>> from numdl.data import peaks
    >>> from numdl.optim import newton_cg
    >>> Y, C = peaks(500, 3, seed=0)
    >>> obj = LinearClassifierObjective(Y, C, lam=1e-3)
    >>> res = newton_cg(obj, obj.init_theta())
    >>> res.converged, obj.accuracy(res.x, Y, C) > 0.5
    (True, True)
    """

    def __init__(self, Y, C, *, loss: str = "softmax", bias: bool = True, lam: float = 0.0,
                 penalize_bias: bool = False, regularizer=None):
        self.loss = _check_loss(loss)
        Y = check_array(Y, "Y", ndim=2)
        n_f, n = Y.shape
        if n == 0:
            raise ValueError("Y: expected at least one example (column), got shape "
                             f"{Y.shape}")
        self.dtype = Y.dtype
        self._C = _check_loss_labels(C, loss, n).astype(self.dtype, copy=False)
        if isinstance(lam, bool) or not isinstance(lam, Real) or not np.isfinite(lam) or lam < 0:
            raise ValueError(f"lam: expected a finite number >= 0, got {lam!r}")
        if regularizer is not None and not callable(regularizer):
            raise ValueError(f"regularizer: expected a callable theta -> Evaluation, got "
                             f"{type(regularizer).__name__}")
        self.bias = bool(bias)
        self.lam = float(lam)
        self.penalize_bias = bool(penalize_bias)
        self.regularizer = regularizer
        self.n_features, self.n = n_f, n
        self._Y = np.vstack([Y, np.ones((1, n), self.dtype)]) if self.bias else Y
        self.shape = (self._C.shape[0], n_f + self.bias)
        self.n_params = self.shape[0] * self.shape[1]
        self._kernel = _KERNELS[loss]
        mask = None
        if self.bias and not self.penalize_bias:
            mask = np.ones(self.shape, self.dtype)
            mask[:, -1] = 0
            mask = mask.reshape(-1)
        self._decay_mask = mask

    def __repr__(self) -> str:
        return (f"LinearClassifierObjective(loss={self.loss!r}, n_f={self.n_features}, n={self.n}, "
                f"shape={self.shape}, bias={self.bias}, lam={self.lam:g})")

    def init_theta(self, rng=None) -> np.ndarray:
        """Starting weights: zeros, or ``N(0, 0.01²)`` entries drawn from ``rng`` if given."""
        if rng is None:
            return np.zeros(self.n_params, self.dtype)
        return (0.01 * as_generator(rng).standard_normal(self.n_params)).astype(self.dtype)

    def weights(self, theta) -> np.ndarray:
        """``W = theta.reshape(shape)``; with a bias its last column is the bias."""
        return self._check_theta(theta).reshape(self.shape)

    def _check_theta(self, theta) -> np.ndarray:
        return check_array(theta, "theta", shape=(self.n_params,), dtype=self.dtype)

    def _check_idx(self, idx) -> np.ndarray:
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"idx: expected a non-empty 1-D array of example indices, got "
                             f"shape {idx.shape} and dtype {idx.dtype}")
        if idx.min() < -self.n or idx.max() >= self.n:
            raise ValueError(f"idx: indices must lie in [0, {self.n}), got range "
                             f"[{idx.min()}, {idx.max()}]")
        return idx

    def __call__(self, theta, idx=None) -> Evaluation:
        """Value, gradient and Hessian mat-vec at ``theta`` (on the examples ``idx`` if given).

        Parameters
        ----------
        theta : array_like, shape (n_params,)
        idx : array_like of int, optional
            Example indices of a mini-batch; the loss is then the mean over these
            examples (the regularization terms are unchanged).
        """
        theta = self._check_theta(theta)
        W = theta.reshape(self.shape)
        if idx is None:
            Y, C = self._Y, self._C
        else:
            idx = self._check_idx(idx)
            Y, C = self._Y[:, idx], self._C[:, idx]
        res = chain_rule_W(self._kernel(W @ Y, C), Y)
        shape, hess_W = self.shape, res.hess_mv
        out = Evaluation(res.value, res.grad.reshape(-1),
                         lambda v: hess_W(v.reshape(shape)).reshape(-1))
        if self.lam > 0:
            out = out + self._weight_decay(theta)
        if self.regularizer is not None:
            out = out + self.regularizer(theta)
        return out

    def _weight_decay(self, theta) -> Evaluation:
        """``(λ/2)‖M ⊙ W‖²``: gradient ``λ M ⊙ theta``, Hessian ``λ M``."""
        lam, mask = self.lam, self._decay_mask
        if mask is None:
            return Evaluation(0.5 * lam * float(np.dot(theta, theta)), lam * theta, lambda v: lam * v)
        grad = lam * (mask * theta)
        return Evaluation(0.5 * float(np.dot(grad, theta)), grad, lambda v: lam * (mask * v))

    def scores(self, theta, Y) -> np.ndarray:
        """Scores ``S = W [Y; eᵀ]`` (or ``W Y``) of new examples ``Y (n_f, m)``: shape ``(n_out, m)``."""
        W = self.weights(theta)
        Y = check_array(Y, "Y", shape=(self.n_features, None))
        if self.bias:
            return W[:, :-1] @ Y + W[:, -1:]
        return W @ Y

    def predict(self, theta, Y) -> np.ndarray:
        """Predicted class of each example in ``Y (n_f, m)``: integer labels ``(m,)``.

        The largest score wins; for ``loss="logistic"`` class 1 when the score is positive.
        """
        S = self.scores(theta, Y)
        if self.loss == "logistic":
            return (S[0] > 0).astype(int)
        return np.argmax(S, axis=0)

    def accuracy(self, theta, Y, C) -> float:
        """Fraction of the examples ``Y (n_f, m)`` whose predicted class matches ``C``.

        ``C`` is a label matrix as for the constructor, or integer labels ``(m,)``.
        """
        pred = self.predict(theta, Y)
        true = _class_labels(C, self.loss)
        if true.shape != pred.shape:
            raise ValueError(f"C: expected labels for {pred.size} examples, got {true.shape[-1]}")
        return float(np.mean(pred == true))


def loss_in_features(W, Y, C, *, loss: str = "softmax"):
    """A linear classifier's loss as a function of its input features ``Y`` (``W`` fixed).

    ``E(Y) = loss(W_f Y + b eᵀ, C)`` where ``W = [W_f, b]`` when ``W`` has
    ``n_f + 1`` columns (bias last) and ``W = W_f`` when it has ``n_f``.

    Parameters
    ----------
    W : array_like, shape (n_out, n_f) or (n_out, n_f + 1)
    Y : array_like, shape (n_f, n)
    C : array_like
        Labels as for :class:`LinearClassifierObjective` with the same ``loss``.
    loss : {"softmax", "logistic", "squared", "softmax-squared"}

    Returns
    -------
    LossResult
        ``value``; ``grad = ∇_Y E = W_fᵀ ∇_S E`` of shape ``(n_f, n)``;
        ``hess_mv(V) = W_fᵀ ∇²_S E[W_f V]`` for ``V (n_f, n)``.

    Notes
    -----
    ``S`` is linear in ``Y`` and the bias does not depend on ``Y``, so this is
    :func:`numdl.losses.chain_rule_Y` with ``W_f``. Used to perturb an input so
    that it is misclassified (adversarial examples, lecture 8).
    """
    loss = _check_loss(loss)
    Y = check_array(Y, "Y", ndim=2)
    n_f, n = Y.shape
    W = check_array(W, "W", ndim=2, dtype=Y.dtype)
    if W.shape[1] not in (n_f, n_f + 1):
        raise ValueError(f"W: expected {n_f} columns (no bias) or {n_f + 1} (bias last) for "
                         f"Y with {n_f} features, got shape {W.shape}")
    C = _check_loss_labels(C, loss, n).astype(Y.dtype, copy=False)
    if C.shape[0] != W.shape[0]:
        raise ValueError(f"W: expected {C.shape[0]} rows (one per row of the labels), got {W.shape[0]}")
    Wf = W[:, :n_f]
    S = Wf @ Y + W[:, n_f:] if W.shape[1] == n_f + 1 else Wf @ Y
    return chain_rule_Y(_KERNELS[loss](S, C), Wf)


# --- registered derivative checks ------------------------------------------------

def _case(rng, loss, *, n_c=3, n_f=4, n=12, bias=True, lam=0.0, penalize_bias=False, idx=None):
    Y = rng.standard_normal((n_f, n))
    C = (rng.uniform(size=(1, n)) < 0.5).astype(float) if loss == "logistic" else _random_labels(rng, n_c, n)
    obj = LinearClassifierObjective(Y, C, loss=loss, bias=bias, lam=lam, penalize_bias=penalize_bias)
    return ObjectiveCase(lambda th: obj(th, idx=idx), rng.standard_normal(obj.n_params))


@register_check("linear-objective/softmax-decay")
def _check_softmax_decay(rng):
    return _case(rng, "softmax", lam=0.3)


@register_check("linear-objective/softmax-decay-all")
def _check_softmax_decay_all(rng):
    return _case(rng, "softmax", lam=0.3, penalize_bias=True)


@register_check("linear-objective/softmax-batch")
def _check_softmax_batch(rng):
    return _case(rng, "softmax", lam=0.1, idx=np.array([0, 3, 4, 9]))


@register_check("linear-objective/logistic-decay")
def _check_logistic_decay(rng):
    return _case(rng, "logistic", lam=0.2)


@register_check("linear-objective/softmax-squared")
def _check_softmax_squared(rng):
    return _case(rng, "softmax-squared", bias=False, lam=0.1)


@register_check("linear-objective/features-bias")
def _check_features(rng):
    n_c, n_f, n = 3, 4, 5
    W = rng.standard_normal((n_c, n_f + 1))
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda Y: loss_in_features(W, Y, C), rng.standard_normal((n_f, n)))
