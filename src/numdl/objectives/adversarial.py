"""Adversarial perturbations of the inputs of a trained classifier (lecture 8).

The map under attack is ``y ↦ W [σ(K y + b); 1]``: a fixed model of the layer
protocol followed by a fixed linear read-out. The unknowns are the perturbations of
the inputs, so the derivatives used are the layer's input Jacobian products
``J_Y v`` and ``J_Yᵀ w`` and the cross-entropy's derivatives in its features.
"""

from __future__ import annotations

import numpy as np

from numdl.checks import ObjectiveCase, register_check
from numdl.layers import SingleLayer
from numdl.objectives.base import Evaluation
from numdl.objectives.linear import loss_in_features
from numdl.utils.validation import check_array, check_labels

__all__ = ["AdversarialObjective"]


class AdversarialObjective:
    """Targeted adversarial objective of a batch of inputs, over flat perturbations.

    ``Φ(d) = Σ_j E(W [σ(K(y_j + d_j) + b); 1], ĉ_j) + (α/2)‖D‖_F²``, ``d = vec(D)``.

    Parameters
    ----------
    layer : SingleLayer
        The feature map ``Z = σ(K Y + b)`` (any object of the layer protocol).
    theta : ndarray
        Its (fixed) parameters.
    W : ndarray, shape (n_c, m + 1)
        Read-out weights, bias last (fixed).
    Y : array_like, shape (n_f, k)
        The clean inputs, one per column.
    C_target : array_like, shape (n_c, k)
        Target class probabilities ``ĉ_j`` (one-hot: the class each input should get).
    alpha : float
        ``α ≥ 0``.

    Notes
    -----
    ``D`` has the shape ``(n_f, k)`` of ``Y`` and ``d = D.reshape(-1)`` (C order). With
    ``Z = σ(K(Y + D) + b)``, ``J = J_Y`` the layer's input Jacobian at ``Y + D`` and
    ``E`` the *sum* of the per-example cross-entropies (``k`` times the mean returned by
    :func:`~numdl.objectives.loss_in_features`):

    * ``∇Φ = J_Yᵀ ∇_Z E + α D`` (the layer's ``jac_y_tmv`` after ``loss_in_features``);
    * ``hess_mv(V) = J_Yᵀ ∇²_Z E [J_Y V] + α V``, the Gauss-Newton matrix: the term
      ``Σ (∇_Z E ⊙ σ''(·)) …`` with the second derivative of σ is dropped, so the
      matrix is symmetric positive semi-definite (exact when σ is linear).

    The problems of different columns are independent (``Φ`` is a sum of one term
    per column and the Hessian is block diagonal); solving them jointly costs one
    matrix product per layer product for the whole batch. Lecture 8.
    """

    def __init__(self, layer, theta, W, Y, C_target, alpha: float):
        self.layer, self.theta = layer, np.asarray(theta)
        self.Y = check_array(Y, "Y", ndim=2)
        self.W = check_array(W, "W", ndim=2)
        self.C = check_labels(C_target, "C_target", n=self.Y.shape[1])
        if not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha: expected a finite number >= 0, got {alpha!r}")
        self.alpha = float(alpha)
        self.shape = self.Y.shape

    def perturbation(self, d) -> np.ndarray:
        """``D = mat(d)`` of shape ``(n_f, k)``."""
        return check_array(d, "d", shape=(self.Y.size,)).reshape(self.shape)

    def __call__(self, d) -> Evaluation:
        D = self.perturbation(d)
        layer, theta, alpha = self.layer, self.theta, self.alpha
        X = self.Y + D
        Z, cache = layer.forward(theta, X)
        k = X.shape[1]
        res = loss_in_features(self.W, Z, self.C)
        value = k * res.value + 0.5 * alpha * float(np.vdot(D, D))
        grad = k * layer.jac_y_tmv(res.grad, theta, X, cache) + alpha * D
        shape, hess_Z = self.shape, res.hess_mv

        def hess_mv(v):
            V = np.reshape(v, shape)
            HV = k * layer.jac_y_tmv(hess_Z(layer.jac_y_mv(V, theta, X, cache)), theta, X, cache)
            return (HV + alpha * V).reshape(-1)

        return Evaluation(value, grad.reshape(-1), hess_mv)


def _gradient_only(objective):
    """The objective without its Gauss-Newton mat-vec (not the exact Hessian)."""
    def evaluate(d):
        ev = objective(d)
        return Evaluation(ev.value, ev.grad)
    return evaluate


@register_check("objective/adversarial-tanh")
def _adversarial_case(rng):
    layer = SingleLayer(5, 7, "tanh")
    theta = layer.init_theta(rng)
    W = rng.standard_normal((3, 8))
    Y = rng.standard_normal((5, 4))
    C = np.eye(3)[:, rng.integers(0, 3, 4)]
    obj = AdversarialObjective(layer, theta, W, Y, C, alpha=0.3)
    return ObjectiveCase(_gradient_only(obj), 0.1 * rng.standard_normal(Y.size))
