"""Tikhonov regularizer: dense formulas, finite differences, bias handling, smoothing effect."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, cg, spsolve

from numdl.checks import ObjectiveCase, registered_checks, run_check
from numdl.objectives import Evaluation
from numdl.regularizers import Tikhonov, gradient_operator, laplacian, smoothness_regularizer

SHAPE = (4, 5)
N_F = 20


def dense_hessian(reg, size):
    """Columns H e_i from hess_mv (oracle at tiny sizes)."""
    return np.column_stack([reg(np.zeros(size)).hess_mv(e) for e in np.eye(size)])


@pytest.mark.parametrize("kind, boundary", [("laplacian", "neumann"), ("laplacian", "dirichlet"),
                                            ("gradient", "neumann"), ("gradient", "periodic")])
def test_matches_dense_formula(kind, boundary):
    rng = np.random.default_rng(0)
    lam, n_c = 0.7, 3
    L = (laplacian if kind == "laplacian" else gradient_operator)(SHAPE, 0.5, boundary=boundary)
    Ld = L.toarray()
    W = rng.standard_normal((n_c, N_F))
    theta = W.reshape(-1).copy()
    reg = smoothness_regularizer(SHAPE, lam, h=0.5, kind=kind, boundary=boundary)
    with np.errstate(all="raise"):
        ev = reg(theta)
    assert isinstance(ev, Evaluation)
    np.testing.assert_allclose(ev.value, lam / 2 * np.linalg.norm(Ld @ W.T) ** 2, rtol=1e-13)
    np.testing.assert_allclose(ev.grad, (lam * (Ld.T @ Ld @ W.T)).T.reshape(-1), rtol=1e-12, atol=1e-12)
    H = dense_hessian(reg, theta.size)
    np.testing.assert_allclose(H, np.kron(np.eye(n_c), lam * Ld.T @ Ld), atol=1e-12)
    np.testing.assert_array_equal(theta, W.reshape(-1))  # input not mutated


def test_gradient_against_central_differences():
    rng = np.random.default_rng(1)
    reg = smoothness_regularizer(SHAPE, 0.3, h=(0.5, 0.25), bias=True)
    theta = rng.standard_normal(3 * (N_F + 1))
    ev = reg(theta)
    eps = 1e-3  # central differences are exact on a quadratic up to round-off
    for _ in range(5):
        v = rng.standard_normal(theta.size)
        fd = (reg(theta + eps * v).value - reg(theta - eps * v).value) / (2 * eps)
        np.testing.assert_allclose(fd, ev.grad @ v, rtol=1e-8)
        gd = (reg(theta + eps * v).grad - reg(theta - eps * v).grad) / (2 * eps)
        np.testing.assert_allclose(gd, ev.hess_mv(v), rtol=1e-8, atol=1e-8)


def test_quadratic_identities():
    rng = np.random.default_rng(2)
    reg = smoothness_regularizer(SHAPE, 1.3, bias=True)
    theta = rng.standard_normal(2 * (N_F + 1))
    ev = reg(theta)
    np.testing.assert_allclose(ev.grad, ev.hess_mv(theta), rtol=1e-14)
    np.testing.assert_allclose(ev.value, 0.5 * theta @ ev.grad, rtol=1e-12)


def test_bias_column_not_regularized():
    rng = np.random.default_rng(3)
    n_c = 4
    reg = smoothness_regularizer(SHAPE, 2.0, bias=True)
    W = rng.standard_normal((n_c, N_F + 1))
    ev = reg(W.reshape(-1))
    G = ev.grad.reshape(n_c, N_F + 1)
    assert np.all(G[:, -1] == 0)
    assert np.abs(G[:, :-1]).max() > 0
    assert np.all(ev.hess_mv(rng.standard_normal(W.size)).reshape(n_c, -1)[:, -1] == 0)
    W2 = W.copy()
    W2[:, -1] += 100.0
    assert reg(W2.reshape(-1)).value == ev.value
    no_bias = smoothness_regularizer(SHAPE, 2.0)(W[:, :-1].reshape(-1))
    assert no_bias.value == pytest.approx(ev.value, rel=1e-14)
    np.testing.assert_allclose(no_bias.grad.reshape(n_c, N_F), G[:, :-1], rtol=1e-14)


def test_identity_is_weight_decay():
    rng = np.random.default_rng(4)
    theta = rng.standard_normal(12)
    ev = Tikhonov(None, 0.5)(theta)
    assert ev.value == pytest.approx(0.25 * theta @ theta, rel=1e-14)
    np.testing.assert_allclose(ev.grad, 0.5 * theta, rtol=1e-15)
    eb = Tikhonov(None, 0.5, n_c=3, bias=True)(theta)
    W = theta.reshape(3, 4)
    assert eb.value == pytest.approx(0.25 * np.sum(W[:, :3] ** 2), rel=1e-14)
    np.testing.assert_allclose(eb.grad.reshape(3, 4), np.c_[0.5 * W[:, :3], np.zeros(3)])
    # an explicit identity operator gives the same
    es = Tikhonov(sp.eye_array(3), 0.5, bias=True)(theta)
    np.testing.assert_allclose(es.grad, eb.grad, rtol=1e-15)


def test_gradient_kind_is_minus_laplacian_quadratic_form():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((3, N_F))
    value = smoothness_regularizer(SHAPE, 0.8, h=0.5, kind="gradient")(W.reshape(-1)).value
    L = laplacian(SHAPE, 0.5)
    assert value == pytest.approx(-0.4 * np.sum(W * (L @ W.T).T), rel=1e-12)


def test_dense_operator_and_row_inference():
    rng = np.random.default_rng(6)
    Ld = rng.standard_normal((7, 5))
    theta = rng.standard_normal(15)
    ev = Tikhonov(Ld, 1.0)(theta)   # n_c = 3 inferred
    W = theta.reshape(3, 5)
    np.testing.assert_allclose(ev.grad.reshape(3, 5), (Ld.T @ Ld @ W.T).T, rtol=1e-12)
    assert Tikhonov(Ld, 1.0, n_c=3)(theta).value == pytest.approx(ev.value, rel=1e-15)


def test_float32():
    rng = np.random.default_rng(7)
    reg = smoothness_regularizer(SHAPE, 0.5, bias=True)
    theta = rng.standard_normal(3 * (N_F + 1))
    ev64, ev32 = reg(theta), reg(theta.astype(np.float32))
    assert ev32.grad.dtype == np.float32
    assert ev32.hess_mv(theta.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(ev32.grad, ev64.grad, rtol=1e-5, atol=1e-5)
    assert ev32.value == pytest.approx(ev64.value, rel=1e-5)


def test_smoothing_makes_smooth_templates():
    """argmin ½‖W − W0‖² + R(W) denoises noisy templates: rows get smoother and closer to
    the clean ones. Solved by CG on the regularizer's Hessian and checked by spsolve."""
    rng = np.random.default_rng(8)
    n = 12
    x0, x1 = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    centers = [(3, 3), (3, 8), (8, 4), (7, 9)]
    W_clean = np.array([np.exp(-((x0 - a) ** 2 + (x1 - b) ** 2) / 8).reshape(-1) for a, b in centers])
    W0 = W_clean + 0.3 * rng.standard_normal(W_clean.shape)
    lam = 1.0
    reg = smoothness_regularizer((n, n), lam)
    hess = reg(np.zeros(W0.size)).hess_mv
    A = LinearOperator((W0.size,) * 2, matvec=lambda v: v + hess(v), dtype=np.float64)
    theta, info = cg(A, W0.reshape(-1), rtol=1e-12, maxiter=2000)
    assert info == 0
    W = theta.reshape(W0.shape)

    L = laplacian((n, n))
    W_ref = spsolve((sp.eye_array(n * n) + lam * (L.T @ L)).tocsc(), W0.T).T
    np.testing.assert_allclose(W, W_ref, atol=1e-9)

    rough0 = np.linalg.norm(L @ W0.T, axis=0)
    rough = np.linalg.norm(L @ W.T, axis=0)
    assert np.all(rough < 0.15 * rough0)
    assert np.linalg.norm(W - W_clean) < 0.5 * np.linalg.norm(W0 - W_clean)
    objective = lambda V: 0.5 * np.sum((V - W0) ** 2) + reg(V.reshape(-1)).value  # noqa: E731
    assert objective(W) < objective(W0)


@pytest.mark.parametrize("call, match", [
    (lambda: Tikhonov(laplacian(SHAPE), -1.0), "^lam: "),
    (lambda: Tikhonov(laplacian(SHAPE), np.inf), "^lam: "),
    (lambda: Tikhonov(laplacian(SHAPE), 1.0, n_c=0), "^n_c: "),
    (lambda: Tikhonov(None, 1.0, bias=True), "^n_c: "),
    (lambda: Tikhonov(np.array([[1.0, np.nan]]), 1.0), "^L: "),
    (lambda: Tikhonov(sp.csr_array(np.array([[1.0, np.inf]])), 1.0), "^L: "),
    (lambda: Tikhonov(np.ones(3), 1.0), "^L: "),
    (lambda: Tikhonov(np.ones((0, 3)), 1.0), "^L: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0, kind="tv"), "^kind: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0, boundary="wrap"), "^boundary: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0, h=0), "^h: "),
    (lambda: smoothness_regularizer((4, 0), 1.0), "^shape: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0)(np.ones(3 * N_F + 1)), "^theta: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0, bias=True)(np.ones(3 * N_F)), "^theta: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0, n_c=2)(np.ones(3 * N_F)), "^theta: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0)(np.ones((3, N_F))), "^theta: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0)(np.full(N_F, np.nan)), "^theta: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0)(np.ones(0)), "^theta: "),
    (lambda: smoothness_regularizer(SHAPE, 1.0)(np.ones(N_F)).hess_mv(np.ones(N_F - 1)), "^v: "),
    (lambda: Tikhonov(None, 1.0, n_c=3)(np.ones(10)), "^theta: "),
    (lambda: Tikhonov(None, 1.0, n_c=3, bias=True)(np.ones(3)), "^theta: "),
])
def test_bad_input_names_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


REG_CHECKS = [name for name in registered_checks() if name.startswith("regularizer/")]


def test_registered_names():
    assert {"regularizer/tikhonov-identity", "regularizer/tikhonov-laplacian-2d",
            "regularizer/tikhonov-gradient-2d", "regularizer/tikhonov-laplacian-2d-bias"} <= set(REG_CHECKS)


@pytest.mark.parametrize("name", REG_CHECKS)
def test_registered_checks_pass(name):
    case = registered_checks()[name](np.random.default_rng(0))
    assert isinstance(case, ObjectiveCase) and case.x.dtype == np.float64
    results = run_check(name)
    assert [r.test for r in results] == ["taylor-grad", "taylor-hess", "hess-symmetry"]
    assert all(r.passed for r in results), [(r.test, r.detail) for r in results]
