"""Losses in S, chain rules to W and Y: values against references, derivatives, stability."""

import numpy as np
import pytest
from scipy.special import logsumexp

from numdl.checks import adjoint_test, taylor_test
from numdl.losses import (LOSSES, chain_rule_W, chain_rule_Y, logistic_loss, softmax,
                          softmax_cross_entropy, softmax_squared_error, squared_error)


def random_probabilities(rng, n_c, n):
    return rng.dirichlet(np.ones(n_c), size=n).T


def one_hot(rng, n_c, n):
    return np.eye(n_c)[:, rng.integers(0, n_c, size=n)]


def dense_hessian(hess_mv, shape):
    """Dense Hessian from mat-vecs with the unit vectors (tiny sizes only)."""
    p = int(np.prod(shape))
    return np.column_stack([hess_mv(e.reshape(shape)).reshape(-1) for e in np.eye(p)])


def check_derivatives(loss, x):
    """Taylor tests of gradient and Hessian and the Hessian's symmetry, float64."""
    res = loss(x)
    value = lambda z: loss(z).value  # noqa: E731
    t1 = taylor_test(value, x, grad=res.grad, seed=1)
    t2 = taylor_test(value, x, grad=res.grad, hess_mv=res.hess_mv, seed=2)
    a = adjoint_test(res.hess_mv, res.hess_mv, x.shape, x.shape, seed=3)
    assert t1.passed, t1.table()
    assert t2.passed, t2.table()
    assert a.passed, str(a)


# --- softmax cross-entropy ------------------------------------------------------

def test_softmax_ce_value_matches_logsumexp_reference():
    rng = np.random.default_rng(0)
    S = 3 * rng.standard_normal((5, 40))
    C = random_probabilities(rng, 5, 40)
    ref = np.mean(logsumexp(S, axis=0) - np.sum(C * S, axis=0))
    res = softmax_cross_entropy(S, C)
    assert res.value == pytest.approx(ref, rel=1e-13)
    P = np.exp(S - logsumexp(S, axis=0))
    np.testing.assert_allclose(res.grad, (P - C) / 40, rtol=1e-12, atol=1e-15)


def test_softmax_ce_hessian_equals_dense_formula():
    rng = np.random.default_rng(1)
    n_c, n = 3, 4
    S = rng.standard_normal((n_c, n))
    res = softmax_cross_entropy(S, one_hot(rng, n_c, n))
    P = softmax(S)
    # Column-major blocks: unknown (k, j) is S[k, j]; the Hessian is block diagonal over j.
    H = dense_hessian(res.hess_mv, S.shape)
    ref = np.zeros((n_c * n, n_c * n))
    for j in range(n):
        idx = np.arange(n_c) * n + j  # C-order positions of column j
        ref[np.ix_(idx, idx)] = (np.diag(P[:, j]) - np.outer(P[:, j], P[:, j])) / n
    np.testing.assert_allclose(H, ref, atol=1e-15)
    assert np.linalg.eigvalsh(H).min() > -1e-14  # convex in S


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_softmax_ce_is_stable_for_huge_scores(scale):
    rng = np.random.default_rng(2)
    S = scale * rng.choice([-1.0, 1.0], size=(4, 30)) + rng.standard_normal((4, 30))
    S[:, 0] = scale  # ties at the maximum
    C = one_hot(rng, 4, 30)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact enough
        res = softmax_cross_entropy(S, C)
        P = softmax(S)
    ref = np.mean(logsumexp(S, axis=0) - np.sum(C * S, axis=0))
    assert np.isfinite(res.value) and res.value == pytest.approx(ref, rel=1e-12)
    assert np.all(np.isfinite(res.grad)) and np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(P[:, 0], 0.25)  # four tied maxima


def test_softmax_ce_zero_for_confident_correct_scores():
    S = np.array([[1e4, -1e4], [-1e4, 1e4]])
    res = softmax_cross_entropy(S, np.eye(2))
    assert res.value == 0.0
    np.testing.assert_array_equal(res.grad, 0.0)


def test_softmax_ce_derivatives_in_S_W_Y():
    rng = np.random.default_rng(3)
    n_c, n_f, n = 4, 3, 9
    C = random_probabilities(rng, n_c, n)
    Y = rng.standard_normal((n_f, n))
    W = rng.standard_normal((n_c, n_f))
    check_derivatives(lambda S: softmax_cross_entropy(S, C), rng.standard_normal((n_c, n)))
    check_derivatives(lambda W: chain_rule_W(softmax_cross_entropy(W @ Y, C), Y), W)
    Y1 = np.vstack([Y, np.ones((1, n))])
    check_derivatives(lambda W: chain_rule_W(softmax_cross_entropy(W @ Y1, C), Y1),
                      rng.standard_normal((n_c, n_f + 1)))
    check_derivatives(lambda Y: chain_rule_Y(softmax_cross_entropy(W @ Y, C), W), Y)


def test_chain_rule_W_matches_kronecker_form():
    """vec(∇_W) = (I ⊗ Y) vec(∇_S) in C order, and H_W = (I ⊗ Y) H_S (I ⊗ Y)ᵀ."""
    rng = np.random.default_rng(4)
    n_c, n_f, n = 3, 2, 5
    Y = rng.standard_normal((n_f, n))
    W = rng.standard_normal((n_c, n_f))
    C = one_hot(rng, n_c, n)
    res_S = softmax_cross_entropy(W @ Y, C)
    res_W = chain_rule_W(res_S, Y)
    J = np.kron(np.eye(n_c), Y)  # d vec(S) / d vec(W) transposed, C order
    np.testing.assert_allclose(res_W.grad.reshape(-1), J @ res_S.grad.reshape(-1), atol=1e-15)
    H_S = dense_hessian(res_S.hess_mv, (n_c, n))
    np.testing.assert_allclose(dense_hessian(res_W.hess_mv, W.shape), J @ H_S @ J.T, atol=1e-14)


def test_softmax_ce_float32_close_to_float64():
    rng = np.random.default_rng(5)
    S = rng.standard_normal((5, 20))
    C = one_hot(rng, 5, 20)
    r64 = softmax_cross_entropy(S, C)
    r32 = softmax_cross_entropy(S.astype(np.float32), C.astype(np.float32))
    assert r32.grad.dtype == np.float32
    assert np.isfinite(r32.value) and r32.value == pytest.approx(r64.value, rel=1e-5)
    np.testing.assert_allclose(r32.grad, r64.grad, rtol=1e-4, atol=1e-7)
    U = rng.standard_normal(S.shape)
    np.testing.assert_allclose(r32.hess_mv(U.astype(np.float32)), r64.hess_mv(U), rtol=1e-4, atol=1e-6)


def test_softmax_ce_rejects_bad_labels_naming_column():
    rng = np.random.default_rng(6)
    S = rng.standard_normal((3, 6))
    C = one_hot(rng, 3, 6)
    C[:, 3] = [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="column 3"):
        softmax_cross_entropy(S, C)
    C[:, 3] = [1.5, -0.5, 0.0]
    with pytest.raises(ValueError, match="column 3"):
        softmax_cross_entropy(S, C)
    with pytest.raises(ValueError, match="C"):
        softmax_cross_entropy(S, one_hot(rng, 4, 6))
    with pytest.raises(ValueError, match="S"):
        softmax_cross_entropy(np.full((3, 6), np.nan), one_hot(rng, 3, 6))


def test_softmax_ce_does_not_mutate_inputs():
    rng = np.random.default_rng(7)
    S, C = rng.standard_normal((3, 5)), one_hot(rng, 3, 5)
    S0, C0 = S.copy(), C.copy()
    res = softmax_cross_entropy(S, C)
    res.hess_mv(np.ones_like(S))
    np.testing.assert_array_equal(S, S0)
    np.testing.assert_array_equal(C, C0)


# --- logistic ---------------------------------------------------------------------

def test_logistic_equals_two_class_softmax():
    rng = np.random.default_rng(8)
    s = 4 * rng.standard_normal(25)
    c = rng.uniform(size=25)
    res = logistic_loss(s, c)
    ref = softmax_cross_entropy(np.vstack([np.zeros(25), s]), np.vstack([1 - c, c]))
    assert res.value == pytest.approx(ref.value, rel=1e-13)
    np.testing.assert_allclose(res.grad, ref.grad[1], atol=1e-15)
    assert res.grad.shape == s.shape


def test_logistic_is_stable_for_huge_scores():
    s = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -800.0])
    c = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact enough
        res = logistic_loss(s, c)
    # Per example: 0, 0, 1e4, 1e4, ~0, ~0 (exact to round-off).
    assert res.value == pytest.approx(2e4 / 6, rel=1e-15)
    np.testing.assert_allclose(res.grad * 6, [0, 0, 1, -1, 0, 0], atol=1e-300)
    assert np.all(np.isfinite(res.hess_mv(np.ones(6))))


def test_logistic_derivatives_and_shapes():
    rng = np.random.default_rng(9)
    c = (rng.uniform(size=(1, 10)) < 0.5).astype(float)
    check_derivatives(lambda s: logistic_loss(s, c), 2 * rng.standard_normal((1, 10)))
    check_derivatives(lambda s: logistic_loss(s, c[0]), 2 * rng.standard_normal(10))


def test_logistic_rejects_bad_labels():
    with pytest.raises(ValueError, match="column 2"):
        logistic_loss(np.zeros(4), np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        logistic_loss(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="c"):
        logistic_loss(np.zeros(4), np.zeros(5))


# --- squared errors -------------------------------------------------------------

def test_squared_error_value_and_derivatives():
    rng = np.random.default_rng(10)
    S, C = rng.standard_normal((3, 8)), rng.standard_normal((3, 8))
    res = squared_error(S, C)
    assert res.value == pytest.approx(np.sum((S - C) ** 2) / 16, rel=1e-14)
    np.testing.assert_allclose(res.grad, (S - C) / 8)
    np.testing.assert_allclose(res.hess_mv(C), C / 8)
    check_derivatives(lambda S: squared_error(S, C), S)


def test_softmax_squared_error_value_and_derivatives():
    rng = np.random.default_rng(11)
    S = 2 * rng.standard_normal((4, 7))
    C = one_hot(rng, 4, 7)
    res = softmax_squared_error(S, C)
    P = np.exp(S - logsumexp(S, axis=0))
    assert res.value == pytest.approx(np.sum((P - C) ** 2) / 14, rel=1e-13)
    check_derivatives(lambda S: softmax_squared_error(S, C), S)
    Y = rng.standard_normal((3, 7))
    check_derivatives(lambda W: chain_rule_W(softmax_squared_error(W @ Y, C), Y),
                      rng.standard_normal((4, 3)))


def test_softmax_squared_hessian_matches_finite_differences_of_gradient():
    rng = np.random.default_rng(12)
    S = rng.standard_normal((3, 2))
    C = one_hot(rng, 3, 2)
    H = dense_hessian(softmax_squared_error(S, C).hess_mv, S.shape)
    h = 1e-6
    fd = np.column_stack([
        (softmax_squared_error(S + h * e.reshape(S.shape), C).grad
         - softmax_squared_error(S - h * e.reshape(S.shape), C).grad).reshape(-1) / (2 * h)
        for e in np.eye(S.size)])
    np.testing.assert_allclose(H, fd, atol=1e-8)


def test_softmax_squared_error_is_not_convex_but_cross_entropy_is():
    """A confidently wrong prediction: the squared error curves downwards there."""
    S = np.array([[8.0], [0.0]])
    C = np.array([[0.0], [1.0]])
    H_se = dense_hessian(softmax_squared_error(S, C).hess_mv, S.shape)
    H_ce = dense_hessian(softmax_cross_entropy(S, C).hess_mv, S.shape)
    assert np.linalg.eigvalsh(H_se).min() < -1e-5
    assert np.linalg.eigvalsh(H_ce).min() > -1e-15


def test_loss_table_names():
    assert set(LOSSES) == {"softmax", "logistic", "squared", "softmax-squared"}
