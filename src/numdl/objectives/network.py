"""The objective of a network followed by a linear softmax classifier (lectures 7–9).

A *model* of the layer protocol (:mod:`numdl.layers.base`: a single layer, later a
deep network) maps the features ``Y (n_f, n)`` to ``Z(θ) (m, n)``; a linear softmax
classifier ``W (n_c, m + 1)`` (bias last) scores ``Z``:

    E(θ, W) = CE(W [Z(θ); eᵀ], C) + (λ_θ/2)‖θ‖² + R_θ(θ) + (λ_W/2)‖W_f‖²

with ``CE`` the softmax cross-entropy (mean over examples), ``W_f = W[:, :m]`` (the
bias column is not penalized) and ``R_θ`` an optional regularizer of ``θ``.

Both unknowns live in one flat vector ``x = [θ; vec(W)]``: first the ``p`` entries
of ``θ`` (the model's own layout), then ``W.reshape(-1)`` in C order (the rows of
``W`` contiguous, each ``m`` weights followed by the bias) — the layout of
:class:`~numdl.objectives.LinearClassifierObjective`.
"""

from __future__ import annotations

from numbers import Real
from typing import NamedTuple

import numpy as np

from numdl.checks import ObjectiveCase, register_check
from numdl.layers import SingleLayer
from numdl.losses.base import _random_labels, chain_rule_W, chain_rule_Y
from numdl.losses.softmax import _softmax_ce
from numdl.objectives.base import Evaluation
from numdl.utils.validation import as_generator, check_array, check_labels

__all__ = ["NetworkObjective"]

_PROTOCOL = ("forward", "jac_theta_mv", "jac_theta_tmv", "init_theta")


def _check_model(model):
    missing = [name for name in _PROTOCOL if not callable(getattr(model, name, None))]
    missing += [] if hasattr(model, "n_params") else ["n_params"]
    if missing:
        raise ValueError(f"model: expected an object of the layer protocol (forward, jac_theta_mv, "
                         f"jac_theta_tmv, init_theta, n_params); {type(model).__name__} lacks "
                         f"{', '.join(missing)}")
    return model


def _check_decay(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def _check_regularizer(reg, name: str = "reg_theta"):
    if reg is not None and not callable(reg):
        raise ValueError(f"{name}: expected a callable theta -> Evaluation, got {type(reg).__name__}")
    return reg


def _check_idx(idx, n: int) -> np.ndarray:
    """Validated mini-batch indices: a non-empty 1-D integer array with entries in ``[0, n)``."""
    idx = np.asarray(idx)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"idx: expected a non-empty 1-D array of example indices, got shape "
                         f"{idx.shape} and dtype {idx.dtype}")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"idx: indices must lie in [0, {n}), got range [{idx.min()}, {idx.max()}]")
    return idx


def _model_width(model, Y: np.ndarray) -> int:
    """Rows of the model's output ``Z``: ``model.n_out``, or from a forward pass on one example.

    Also checks that ``Y`` has the rows the model expects (``model.n_in`` when the
    model has it, else by the trial forward pass).
    """
    n_in = getattr(model, "n_in", None)
    if n_in is not None and Y.shape[0] != n_in:
        raise ValueError(f"Y: expected {n_in} rows (the model's input features, one example per "
                         f"column), got shape {Y.shape}")
    n_out = getattr(model, "n_out", None)
    if n_in is not None and n_out is not None:
        return int(n_out)
    theta = np.asarray(model.init_theta(np.random.default_rng(0)), dtype=Y.dtype)
    try:
        Z, _ = model.forward(theta, Y[:, :1])
    except ValueError as err:
        raise ValueError(f"Y: the model's forward pass rejects Y of shape {Y.shape}: {err}") from err
    if n_out is not None and Z.shape[0] != n_out:
        raise ValueError(f"model: n_out = {n_out} but its forward pass gives {Z.shape[0]} rows")
    return int(Z.shape[0])


class BlockEvaluation(NamedTuple):
    """``E(θ, W)`` split into its ``θ`` and ``W`` blocks (block-diagonal curvature).

    Attributes
    ----------
    theta : Evaluation
        The terms of ``θ``'s block: value of the cross-entropy plus the ``θ``
        regularization; ``grad = ∇_θ E``; ``hess_mv(v) = J_θᵀ W_fᵀ ∇²_S CE[W_f J_θ v]
        + λ_θ v + ∇²R_θ v`` (Gauss-Newton; ``None`` when ``R_θ`` gives no Hessian).
    W : Evaluation
        Value ``(λ_W/2)‖W_f‖²``; ``grad = ∇_W E`` shaped like ``W``;
        ``hess_mv(V) = ∇²_S CE[V Z̃] Z̃ᵀ + λ_W M ⊙ V`` (exact), ``Z̃ = [Z; eᵀ]``.
    """

    theta: Evaluation
    W: Evaluation

    @property
    def value(self) -> float:
        """``E(θ, W)``."""
        return self.theta.value + self.W.value


class NetworkObjective:
    """Softmax cross-entropy of a network's output plus regularization, over ``x = [θ; vec(W)]``.

    ``E(θ, W) = CE(W [Z(θ); eᵀ], C) + (λ_θ/2)‖θ‖² + R_θ(θ) + (λ_W/2)‖W_f‖²``,
    ``Z(θ) = model.forward(θ, Y)``, ``W_f`` = ``W`` without its bias column.

    Parameters
    ----------
    model : object of the layer protocol
        Has ``forward``, ``jac_theta_mv``, ``jac_theta_tmv``, ``init_theta`` and
        ``n_params`` (:mod:`numdl.layers.base`); the width ``m`` (rows of ``Z``) is
        ``model.n_out`` or, if the model has no such attribute, read off a forward pass.
    Y : array_like, shape (n_f, n)
        Features, one column per example (float64, or float32 to compute in float32).
    C : array_like, shape (n_c, n)
        Class probabilities / one-hot labels.
    lam_theta : float
        Weight decay ``λ_θ ≥ 0`` on the model's parameters.
    lam_W : float
        Weight decay ``λ_W ≥ 0`` on the classifier weights (bias column excluded).
    reg_theta : callable, optional
        ``reg_theta(theta) -> Evaluation``, e.g. a
        :class:`~numdl.regularizers.Tikhonov` or a smoothness-in-depth regularizer;
        its value, gradient and Hessian mat-vec are added to the ``θ`` block.
    bias : bool
        The classifier has a bias (last column of ``W``, multiplying a row of ones).

    Attributes
    ----------
    n_params : int
        Length of ``x``: ``p + n_c (m + bias)``.
    n_theta : int
        ``p``, the model's parameters.
    W_shape : tuple of int
        ``(n_c, m + bias)``.
    n, n_features, n_classes, width : int
        Examples ``n``, input features ``n_f``, classes ``n_c`` and model width ``m``.
    Y, C : ndarray
        The data (read-only views).

    Notes
    -----
    **Layout.** ``x = [θ; W.reshape(-1)]``; :meth:`split` and :meth:`join` convert.

    **Gradient** (chain rule, lecture 8). With ``S = W Z̃``, ``Z̃ = [Z; eᵀ]``:
    ``∇_W E = ∇_S CE Z̃ᵀ + λ_W M ⊙ W`` (``M`` masks the bias column) and
    ``∇_θ E = J_θᵀ (W_fᵀ ∇_S CE) + λ_θ θ + ∇R_θ`` with ``J_θ`` the Jacobian of
    ``Z(θ)`` (``model.jac_theta_tmv``): one forward and one adjoint pass.

    **Curvature** (block-diagonal Gauss-Newton): ``H = blockdiag(H_θ, H_W)`` with

    * ``H_θ v = J_θᵀ W_fᵀ ∇²_S CE[W_f J_θ v] + λ_θ v + ∇²R_θ v`` — Gauss-Newton: the
      second derivatives of ``Z(θ)`` are dropped; symmetric positive semi-definite;
    * ``H_W V = ∇²_S CE[V Z̃] Z̃ᵀ + λ_W M ⊙ V`` — exact (``S`` is linear in ``W``);
    * the coupling blocks ``∂²E/∂θ∂W`` are ignored.

    ``hess_mv`` is therefore not the Hessian of ``E`` (a third-order Taylor test
    fails) but an SPSD model of it for Newton-CG.

    **Mini-batches.** ``obj(x, idx)`` evaluates the cross-entropy on the examples
    ``idx`` only (mean over them); the regularization terms are kept in full.

    Examples
    --------
    >>> import numpy as np
    >>> from numdl.layers import SingleLayer
    >>> rng = np.random.default_rng(0)
    >>> Y, C = rng.standard_normal((2, 50)), np.eye(3)[:, rng.integers(0, 3, 50)]
    >>> obj = NetworkObjective(SingleLayer(2, 8, "tanh"), Y, C, lam_W=1e-3)
    >>> x = obj.init(rng)
    >>> theta, W = obj.split(x)
    >>> theta.shape, W.shape, obj(x).grad.shape
    ((24,), (3, 9), (51,))
    """

    def __init__(self, model, Y, C, *, lam_theta: float = 0.0, lam_W: float = 0.0, reg_theta=None,
                 bias: bool = True):
        self.model = _check_model(model)
        Y = check_array(Y, "Y", ndim=2)
        if Y.shape[1] == 0:
            raise ValueError(f"Y: expected at least one example (column), got shape {Y.shape}")
        self.dtype = Y.dtype
        self._Y = Y
        self._C = check_labels(C, "C", n=Y.shape[1]).astype(self.dtype, copy=False)
        self.lam_theta = _check_decay(lam_theta, "lam_theta")
        self.lam_W = _check_decay(lam_W, "lam_W")
        self.reg_theta = _check_regularizer(reg_theta)
        self.bias = bool(bias)
        self.n_features, self.n = Y.shape
        self.width = _model_width(model, Y)
        self.n_classes = self._C.shape[0]
        self.n_theta = int(model.n_params)
        self.W_shape = (self.n_classes, self.width + self.bias)
        self.n_params = self.n_theta + self.W_shape[0] * self.W_shape[1]
        mask = np.ones(self.W_shape, self.dtype)
        if self.bias:
            mask[:, -1] = 0
        self._decay_mask = mask

    @property
    def Y(self) -> np.ndarray:
        """The features ``(n_f, n)`` (read-only view)."""
        view = self._Y.view()
        view.flags.writeable = False
        return view

    @property
    def C(self) -> np.ndarray:
        """The labels ``(n_c, n)`` in the objective's dtype (read-only view)."""
        view = self._C.view()
        view.flags.writeable = False
        return view

    def __repr__(self) -> str:
        return (f"NetworkObjective(model={type(self.model).__name__}, n_f={self.n_features}, "
                f"n={self.n}, width={self.width}, n_c={self.n_classes}, n_params={self.n_params}, "
                f"lam_theta={self.lam_theta:g}, lam_W={self.lam_W:g})")

    # --- layout -----------------------------------------------------------------

    def split(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Views ``(θ (p,), W (n_c, m + bias))`` of ``x = [θ; W.reshape(-1)]``.

        Raises
        ------
        ValueError
            If ``x`` is not a finite 1-D array of length :attr:`n_params`.
        """
        x = self._check_x(x)
        return x[: self.n_theta], x[self.n_theta:].reshape(self.W_shape)

    def join(self, theta, W) -> np.ndarray:
        """``x = [θ; W.reshape(-1)]`` (a new array in the objective's dtype)."""
        theta = check_array(theta, "theta", shape=(self.n_theta,), dtype=self.dtype)
        W = check_array(W, "W", shape=self.W_shape, dtype=self.dtype)
        return np.concatenate([theta, W.reshape(-1)])

    def _check_x(self, x) -> np.ndarray:
        x = check_array(x, "x", ndim=1, dtype=self.dtype)
        if x.shape != (self.n_params,):
            raise ValueError(f"x: expected length {self.n_params} = {self.n_theta} model parameters "
                             f"+ {self.W_shape[0]}·{self.W_shape[1]} classifier weights, got shape "
                             f"{x.shape}")
        return x

    def init(self, rng=None) -> np.ndarray:
        """Starting point ``x0 = [model.init_theta(rng); 0]``: random model, zero classifier.

        With ``W = 0`` the first Newton / gradient step fits the classifier to the
        random features ``Z(θ₀)``; the model's parameters move from then on.
        """
        theta = np.asarray(self.model.init_theta(as_generator(rng)), dtype=self.dtype)
        return self.join(theta, np.zeros(self.W_shape, self.dtype))

    # --- evaluation -------------------------------------------------------------

    def _with_ones(self, Z: np.ndarray) -> np.ndarray:
        """``Z̃ = [Z; eᵀ]`` with a bias, else ``Z``."""
        if not self.bias:
            return Z
        return np.vstack([Z, np.ones((1, Z.shape[1]), Z.dtype)])

    def _blocks(self, theta, W, Y, C, Z, cache) -> BlockEvaluation:
        """Value, block gradients and block curvature at ``(θ, W)`` on the examples ``(Y, C)``.

        ``Z, cache = model.forward(theta, Y)`` are passed in (computed once by the caller).
        """
        model, m = self.model, self.width
        Z1 = self._with_ones(Z)
        loss = _softmax_ce(W @ Z1, C)
        in_W = chain_rule_W(loss, Z1)          # ∇_W CE = ∇_S CE Z̃ᵀ, exact Hessian in W
        in_Z = chain_rule_Y(loss, W[:, :m])    # ∇_Z CE = W_fᵀ ∇_S CE, Hessian in Z
        hess_Z = in_Z.hess_mv

        def gauss_newton(v):
            return model.jac_theta_tmv(hess_Z(model.jac_theta_mv(v, theta, Y, cache)), theta, Y, cache)

        block_theta = Evaluation(loss.value, model.jac_theta_tmv(in_Z.grad, theta, Y, cache),
                                 gauss_newton)
        if self.lam_theta > 0:
            block_theta = block_theta + _weight_decay(theta, self.lam_theta)
        if self.reg_theta is not None:
            block_theta = block_theta + self.reg_theta(theta)
        block_W = Evaluation(0.0, in_W.grad, in_W.hess_mv)
        if self.lam_W > 0:
            block_W = block_W + _weight_decay(W, self.lam_W, self._decay_mask)
        return BlockEvaluation(block_theta, block_W)

    def _batch(self, idx):
        if idx is None:
            return self._Y, self._C
        idx = _check_idx(idx, self.n)
        return self._Y[:, idx], self._C[:, idx]

    def __call__(self, x, idx=None) -> Evaluation:
        """Value, gradient and block Gauss-Newton mat-vec at ``x`` (on the examples ``idx``).

        Parameters
        ----------
        x : array_like, shape (n_params,)
            ``[θ; W.reshape(-1)]``.
        idx : array_like of int, optional
            Example indices of a mini-batch: the cross-entropy is then the mean over
            these examples (regularization unchanged).

        Returns
        -------
        Evaluation
            ``hess_mv`` is ``None`` only when ``reg_theta`` returns none.
        """
        theta, W = self.split(x)
        Y, C = self._batch(idx)
        Z, cache = self.model.forward(theta, Y)
        blk = self._blocks(theta, W, Y, C, Z, cache)
        grad = np.concatenate([blk.theta.grad, blk.W.grad.reshape(-1)])
        hess_mv = None
        if blk.theta.hess_mv is not None:
            p, shape, h_theta, h_W = self.n_theta, self.W_shape, blk.theta.hess_mv, blk.W.hess_mv

            def hess_mv(v):
                return np.concatenate([h_theta(v[:p]), h_W(v[p:].reshape(shape)).reshape(-1)])
        return Evaluation(blk.value, grad, hess_mv)

    # --- prediction -------------------------------------------------------------

    def scores(self, x, Y) -> np.ndarray:
        """Scores ``S = W [Z(θ); eᵀ]`` of new examples ``Y (n_f, k)``: shape ``(n_c, k)``."""
        theta, W = self.split(x)
        Y = check_array(Y, "Y", shape=(self.n_features, None), dtype=self.dtype)
        Z, _ = self.model.forward(theta, Y)
        return W @ self._with_ones(Z)

    def predict(self, x, Y) -> np.ndarray:
        """Predicted class (largest score) of each example in ``Y (n_f, k)``: integers ``(k,)``."""
        return np.argmax(self.scores(x, Y), axis=0)

    def accuracy(self, x, Y, C) -> float:
        """Fraction of the examples ``Y (n_f, k)`` predicted as in ``C``.

        ``C``: class probabilities / one-hot ``(n_c, k)`` (class = argmax) or integer
        labels ``(k,)``.
        """
        pred = self.predict(x, Y)
        return _accuracy(pred, C)


def _weight_decay(A: np.ndarray, lam: float, mask: np.ndarray | None = None) -> Evaluation:
    """``(λ/2)‖M ⊙ A‖²`` (``M`` a 0/1 mask, all ones if ``None``): gradient ``λ M ⊙ A``, Hessian ``λ M``."""
    if mask is None:
        return Evaluation(0.5 * lam * float(np.sum(A * A)), lam * A, lambda V: lam * V)
    grad = lam * (mask * A)
    return Evaluation(0.5 * float(np.sum(grad * A)), grad, lambda V: lam * (mask * V))


def _accuracy(pred: np.ndarray, C) -> float:
    """Fraction of ``pred`` equal to the classes of ``C`` (probability columns or integer labels)."""
    C = np.asarray(C)
    if C.ndim == 1:
        true = check_array(C, "C").astype(int)
    else:
        true = np.argmax(check_array(C, "C", ndim=2), axis=0)
    if true.shape != pred.shape:
        raise ValueError(f"C: expected labels for {pred.size} examples, got {true.shape[-1]}")
    return float(np.mean(pred == true))


def _without_hessian(fun):
    """``x ↦ fun(x)`` with ``hess_mv`` removed: the Gauss-Newton mat-vec is not the Hessian,
    so the registered checks test the gradient only (the GN mat-vec has its own tests)."""
    def evaluate(x):
        ev = fun(x)
        return Evaluation(ev.value, ev.grad)
    return evaluate


# --- registered derivative checks ------------------------------------------------

def _network_case(rng, model, *, n=12, n_c=3, lam_theta=0.0, lam_W=0.0, bias=True, idx=None,
                  b_offset=None):
    Y = rng.standard_normal((model.n_in, n))
    C = _random_labels(rng, n_c, n)
    obj = NetworkObjective(model, Y, C, lam_theta=lam_theta, lam_W=lam_W, bias=bias)
    x = rng.standard_normal(obj.n_params)
    if b_offset is not None:
        x[model.n_out * model.n_in: model.n_params] += b_offset
    return ObjectiveCase(_without_hessian(lambda z: obj(z, idx=idx)), x)


@register_check("objective/network-single-tanh")
def _check_tanh(rng):
    return _network_case(rng, SingleLayer(3, 4, "tanh"), lam_theta=0.1, lam_W=0.2)


@register_check("objective/network-single-sin-batch")
def _check_sin_batch(rng):
    return _network_case(rng, SingleLayer(2, 5, "sin", bias="scalar"), lam_W=0.1,
                         idx=np.array([1, 2, 5, 7, 11]))


@register_check("objective/network-single-softplus-nobias")
def _check_softplus_nobias(rng):
    return _network_case(rng, SingleLayer(3, 4, "softplus", bias=None), bias=False, lam_theta=0.3)


@register_check("objective/network-single-tanh-W-block")
def _check_W_block(rng):
    # θ fixed: E is a softmax loss of W and the W block of hess_mv is its exact Hessian,
    # so here the Hessian Taylor test and the symmetry test apply too.
    layer = SingleLayer(3, 4, "tanh")
    n, n_c = 12, 3
    obj = NetworkObjective(layer, rng.standard_normal((3, n)), _random_labels(rng, n_c, n), lam_W=0.2)
    theta, p = rng.standard_normal(layer.n_params), layer.n_params

    def evaluate(w):
        ev = obj(np.concatenate([theta, w]))
        return Evaluation(ev.value, ev.grad[p:],
                          lambda v: ev.hess_mv(np.concatenate([np.zeros(p), v]))[p:])

    return ObjectiveCase(evaluate, rng.standard_normal(obj.n_params - p))
