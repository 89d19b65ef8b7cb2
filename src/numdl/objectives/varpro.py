"""Variable projection (VarPro): eliminate the classifier weights ``W`` (lecture 11).

For the objective of :class:`~numdl.objectives.NetworkObjective`,

    E(θ, W) = CE(W [Z(θ); eᵀ], C) + (λ_W/2)‖W_f‖² + (λ_θ/2)‖θ‖² + R_θ(θ),

the problem in ``W`` for fixed ``θ`` is a regularized linear softmax classifier on the
features ``Z(θ)``: smooth and, for ``λ_W > 0``, strictly convex, with one minimizer
``W(θ)``. VarPro solves it accurately for every ``θ`` and optimizes the *reduced*
objective

    Φ(θ) = E(θ, W(θ)).

Since ``∇_W E(θ, W(θ)) = 0``, the chain rule gives ``∇Φ(θ) = ∇_θ E(θ, W(θ)) +
(dW/dθ)ᵀ ∇_W E = ∇_θ E(θ, W(θ))``: the derivative of ``W(θ)`` is never needed.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from numdl.checks import ObjectiveCase, register_check
from numdl.layers import SingleLayer
from numdl.losses.base import _random_labels
from numdl.losses.softmax import _softmax
from numdl.objectives.base import Evaluation
from numdl.objectives.linear import LinearClassifierObjective
from numdl.objectives.network import NetworkObjective, _accuracy, _without_hessian
from numdl.optim import ConvergenceWarning, newton_cg
from numdl.utils.validation import as_generator, check_array

__all__ = ["VarProObjective"]

#: Newton iterations of an inner solve between refreshes of its preconditioner.
_PRECOND_EVERY = 5


class VarProObjective:
    """Reduced objective ``Φ(θ) = min_W E(θ, W)`` with the inner problem solved by Newton-CG.

    Parameters
    ----------
    model : object of the layer protocol
        As for :class:`~numdl.objectives.NetworkObjective`.
    Y : array_like, shape (n_f, n)
        Features, one column per example.
    C : array_like, shape (n_c, n)
        Class probabilities / one-hot labels.
    lam_W : float
        Weight decay ``λ_W > 0`` on the classifier weights (bias column excluded);
        it makes the inner problem strictly convex (required).
    lam_theta : float
        Weight decay ``λ_θ ≥ 0`` on the model's parameters.
    reg_theta : callable, optional
        ``reg_theta(theta) -> Evaluation``, added to ``Φ``.
    bias : bool
        The classifier has a bias column (last column of ``W``).
    inner_rtol : float
        Inner stopping rule ``‖∇_W E(θ, W)‖ ≤ max(inner_rtol, 100 ε) · ‖∇_W E(θ, 0)‖``
        (relative to the gradient at ``W = 0``, a scale that does not depend on the warm
        start; ``ε`` the machine epsilon of the data's dtype, so float32 data stop at
        about ``10⁻⁵``).
    inner_maxiter : int
        Most Newton iterations of one inner solve.

    Attributes
    ----------
    network : NetworkObjective
        The full objective ``E(θ, W)`` on the same data (same layout of ``W``).
    n_params : int
        ``p``, the length of ``θ`` (the unknowns of ``Φ``).
    W_shape : tuple of int
        ``(n_c, m + bias)``.
    n : int
        Number of examples.
    n_inner_iter : int
        Newton iterations of all inner solves so far.
    n_solves : int
        Number of inner solves so far.

    Notes
    -----
    **Inner problem.** ``W(θ) = argmin_W CE(W Z̃, C) + (λ_W/2)‖W_f‖²``, ``Z̃ =
    [Z(θ); eᵀ]``: a :class:`~numdl.objectives.LinearClassifierObjective` on the
    features ``Z(θ)``, solved by :func:`~numdl.optim.newton_cg` with its exact
    Hessian. A :class:`~numdl.optim.ConvergenceWarning` is issued when an inner solve
    stops above its tolerance.

    **State.** The object remembers the last ``W`` and starts the next inner solve
    from it (warm start), and returns it again without solving when asked at the
    same ``θ``. This is the only state: up to the inner tolerance the results do not
    depend on the sequence of calls.

    **Derivatives.** ``∇Φ(θ) = J_θᵀ W_fᵀ ∇_S CE + λ_θ θ + ∇R_θ`` at ``W = W(θ)``,
    exact up to the inner tolerance (the ``∇_W E`` term vanishes at ``W(θ)``).
    ``hess_mv`` is the Gauss-Newton mat-vec of ``E`` in ``θ`` with ``W`` fixed at
    ``W(θ)``: ``v ↦ J_θᵀ W_fᵀ ∇²_S CE[W_f J_θ v] + λ_θ v + ∇²R_θ v`` (symmetric
    positive semi-definite; it leaves out the curvature of ``Z(θ)`` and the term
    ``−∇²_{θW} E (∇²_{WW} E)⁻¹ ∇²_{Wθ} E`` of the exact reduced Hessian).

    Examples
    --------
    >>> import numpy as np
    >>> from numdl.layers import SingleLayer
    >>> rng = np.random.default_rng(0)
    >>> Y, C = rng.standard_normal((2, 40)), np.eye(3)[:, rng.integers(0, 3, 40)]
    >>> phi = VarProObjective(SingleLayer(2, 6, "tanh"), Y, C, lam_W=1e-2)
    >>> theta = phi.init(rng)
    >>> ev = phi(theta)
    >>> full = phi.network(phi.network.join(theta, phi.last_W))
    >>> bool(np.isclose(ev.value, full.value)), phi.last_W.shape
    (True, (3, 7))
    """

    def __init__(self, model, Y, C, *, lam_W: float = 1e-4, lam_theta: float = 0.0, reg_theta=None,
                 bias: bool = True, inner_rtol: float = 1e-10, inner_maxiter: int = 100):
        if isinstance(lam_W, bool) or not isinstance(lam_W, Real) or not np.isfinite(lam_W) or lam_W <= 0:
            raise ValueError(f"lam_W: expected a finite number > 0 (it makes the inner problem in W "
                             f"strictly convex), got {lam_W!r}")
        if (isinstance(inner_rtol, bool) or not isinstance(inner_rtol, Real)
                or not np.isfinite(inner_rtol) or not 0 < inner_rtol < 1):
            raise ValueError(f"inner_rtol: expected a number in (0, 1), got {inner_rtol!r}")
        if isinstance(inner_maxiter, bool) or not isinstance(inner_maxiter, Integral) or inner_maxiter < 1:
            raise ValueError(f"inner_maxiter: expected an integer >= 1, got {inner_maxiter!r}")
        self.network = NetworkObjective(model, Y, C, lam_theta=lam_theta, lam_W=lam_W,
                                        reg_theta=reg_theta, bias=bias)
        self.model = model
        self.lam_W = float(lam_W)
        self.inner_rtol = float(inner_rtol)
        self.inner_maxiter = int(inner_maxiter)
        net = self.network
        self.dtype, self.n, self.n_params, self.W_shape = net.dtype, net.n, net.n_theta, net.W_shape
        self._W = np.zeros(self.W_shape, self.dtype)
        self._theta = None
        self.n_inner_iter = 0
        self.n_solves = 0

    def __repr__(self) -> str:
        return (f"VarProObjective(model={type(self.model).__name__}, n={self.n}, "
                f"n_params={self.n_params}, W_shape={self.W_shape}, lam_W={self.lam_W:g})")

    def init(self, rng=None) -> np.ndarray:
        """Starting parameters ``θ₀ = model.init_theta(rng)``."""
        return np.asarray(self.model.init_theta(as_generator(rng)), dtype=self.dtype)

    def _check_theta(self, theta) -> np.ndarray:
        return check_array(theta, "theta", shape=(self.n_params,), dtype=self.dtype)

    @property
    def last_W(self) -> np.ndarray:
        """The classifier weights of the last inner solve (a copy), ``(n_c, m + bias)``."""
        return self._W.copy()

    def _solve(self, theta, Z) -> np.ndarray:
        """``W(θ)`` for the features ``Z = Z(θ)``, warm-started from the last ``W``.

        Newton-CG on the inner problem, preconditioned by its dense Hessian
        (:func:`_hessian_preconditioner`), refreshed every ``_PRECOND_EVERY`` Newton
        iterations; stops at ``‖∇_W‖ ≤ tol``, after ``inner_maxiter`` iterations, or
        when a line search fails.
        """
        if self._theta is not None and np.array_equal(theta, self._theta):
            return self._W
        net = self.network
        inner = LinearClassifierObjective(Z, net.C, lam=self.lam_W, bias=net.bias)
        rtol = max(self.inner_rtol, 100 * float(np.finfo(self.dtype).eps))
        tol = rtol * float(np.linalg.norm(inner(np.zeros(inner.n_params, self.dtype)).grad))
        Z1 = net._with_ones(Z)
        w, n_iter = self._W.reshape(-1), 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            while True:
                budget = min(_PRECOND_EVERY, self.inner_maxiter - n_iter)
                precond = _hessian_preconditioner(_softmax(w.reshape(self.W_shape) @ Z1), Z1, self.lam_W)
                res = newton_cg(inner, w, rtol=0.0, atol=tol, maxiter=budget, precond=precond)
                w, n_iter = res.x, n_iter + res.n_iter
                if res.converged or n_iter >= self.inner_maxiter or res.n_iter < budget:
                    break
        self.n_inner_iter += n_iter
        self.n_solves += 1
        if not res.converged:
            warnings.warn(f"VarProObjective: inner solve for W stopped at |∇_W E| = "
                          f"{res.grad_norm:.3e} > {tol:.3e} after {n_iter} Newton iterations "
                          f"({res.reason})", ConvergenceWarning, stacklevel=3)
        self._W = w.reshape(self.W_shape)
        self._theta = theta.copy()
        return self._W

    def W_of(self, theta) -> np.ndarray:
        """``W(θ) = argmin_W E(θ, W)`` (a copy), shape ``(n_c, m + bias)``."""
        theta = self._check_theta(theta)
        Z, _ = self.model.forward(theta, self.network.Y)
        return self._solve(theta, Z).copy()

    def full_x(self, theta) -> np.ndarray:
        """``x = [θ; vec W(θ)]``, the point of :attr:`network` that ``θ`` stands for."""
        return self.network.join(theta, self.W_of(theta))

    def __call__(self, theta) -> Evaluation:
        """``Φ(θ)``, ``∇Φ(θ)`` and the Gauss-Newton mat-vec in ``θ`` (see the class Notes).

        Parameters
        ----------
        theta : array_like, shape (n_params,)
        """
        theta = self._check_theta(theta)
        net = self.network
        Y, C = net.Y, net.C
        Z, cache = self.model.forward(theta, Y)
        W = self._solve(theta, Z)
        blk = net._blocks(theta, W, Y, C, Z, cache)
        return Evaluation(blk.value, blk.theta.grad, blk.theta.hess_mv)

    def predict(self, theta, Y) -> np.ndarray:
        """Predicted classes of ``Y (n_f, k)`` by the network ``(θ, W(θ))``: integers ``(k,)``."""
        return self.network.predict(self.full_x(theta), Y)

    def accuracy(self, theta, Y, C) -> float:
        """Fraction of ``Y (n_f, k)`` classified as in ``C`` (probability columns or integer labels)."""
        return _accuracy(self.predict(theta, Y), C)


def _hessian_preconditioner(P, Z1, lam):
    """``r ↦ M⁻¹ r`` with ``M`` the dense Hessian in ``vec(W)`` of the inner problem at ``P``, plus ``λI``.

    For scores ``S = W Z̃`` with probabilities ``P = softmax(S)`` the Hessian of the
    mean cross-entropy in ``vec(W)`` (C order, ``q = m + 1`` entries per class) has
    the blocks

        H_kl = (1/n) Z̃ diag(δ_kl p_k − p_k ⊙ p_l) Z̃ᵀ,        k, l = 1 … n_c,

    with ``p_k`` the ``k``-th row of ``P``: with ``B = [Z̃ diag(p_1); …; Z̃ diag(p_{n_c})]``
    (``n_c q × n``), ``H = (blockdiag_k(Z̃ diag(p_k) Z̃ᵀ) − B Bᵀ) / n``. Adding ``λ I``
    (the weight decay's Hessian, here also on the bias, which keeps ``M`` positive
    definite despite the softmax's invariance to a common shift of the biases; at
    least ``100 ε_mach max_i H_ii``) gives the SPD ``M``; one Cholesky factorization, then two triangular solves per CG step.
    It is the inner problem's Hessian at the warm start, which changes little during
    the warm-started solve, so preconditioned CG needs only a few iterations.
    """
    n_c, n = P.shape
    q = Z1.shape[0]
    B = (P[:, None, :] * Z1[None, :, :]).reshape(n_c * q, n)
    M = -(B @ B.T)
    for k in range(n_c):
        block = slice(k * q, (k + 1) * q)
        M[block, block] += B[block] @ Z1.T
    M /= n
    M[np.diag_indices_from(M)] += max(lam, 100 * np.finfo(M.dtype).eps * float(np.max(np.diag(M))))
    factor = cho_factor(M)
    return lambda r: cho_solve(factor, r)


# --- registered derivative check ------------------------------------------------

@register_check("objective/varpro-single-tanh")
def _check_varpro(rng):
    n, n_c = 20, 3
    layer = SingleLayer(2, 4, "tanh")
    phi = VarProObjective(layer, rng.standard_normal((2, n)), _random_labels(rng, n_c, n),
                          lam_W=0.1, lam_theta=0.05, inner_rtol=1e-13)
    return ObjectiveCase(_without_hessian(phi), rng.standard_normal(layer.n_params))
