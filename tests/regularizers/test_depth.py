"""Smoothness in depth: dense formulas, parametrized kernels, slices of a Sequential, bad input."""

import numpy as np
import pytest

from numdl.checks import run_check
from numdl.layers import SingleLayer
from numdl.networks import HyperbolicNetwork, ResidualNetwork, Sequential
from numdl.objectives import Evaluation, NetworkObjective
from numdl.regularizers import DepthSmoothness


def first_difference(N):
    """Dense ``(N−1, N)`` matrix of ``(Δk)_j = k_{j+1} − k_j``."""
    return np.eye(N, k=1)[:-1] - np.eye(N)[:-1]


def dense_hessian(reg):
    return np.column_stack([reg.hess_mv(e) for e in np.eye(reg.n_params)])


def loop_value(net, theta, alpha, alpha_b, lam):
    """``R`` by explicit loops over the layers (the formula, written out)."""
    K = net.kernel_matrices(theta)
    b = net.split_theta(theta)[1]
    value = 0.5 * lam * theta @ theta
    for j in range(net.depth - 1):
        value += 0.5 * alpha * np.sum((K[j + 1] - K[j]) ** 2) / net.h
        value += 0.5 * alpha_b * np.sum((b[j + 1] - b[j]) ** 2) / net.h
    return value


def loop_value_kernels(net, theta, alpha):
    """The kernel part of ``R`` by explicit loops."""
    K = net.kernel_matrices(theta)
    return sum(0.5 * alpha * np.sum((K[j + 1] - K[j]) ** 2) / net.h for j in range(net.depth - 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_full_kernels_match_dense_formula(dtype):
    rng = np.random.default_rng(0)
    m, N, alpha, alpha_b, lam = 3, 5, 0.7, 0.2, 0.05
    net = ResidualNetwork(m, N, T=2.0)
    theta = rng.standard_normal(net.n_params).astype(dtype)
    theta_copy = theta.copy()
    reg = DepthSmoothness(net, alpha, lam=lam, alpha_bias=alpha_b)
    with np.errstate(all="raise"):
        ev = reg(theta)
    assert isinstance(ev, Evaluation) and ev.grad.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(ev.value, loop_value(net, theta.astype(float), alpha, alpha_b, lam), rtol=tol)
    D = first_difference(N)
    H = np.zeros((net.n_params, net.n_params))
    n_k = N * m * m
    H[:n_k, :n_k] = alpha / net.h * np.kron(D.T @ D, np.eye(m * m))
    H[n_k:, n_k:] = alpha_b / net.h * np.kron(D.T @ D, np.eye(m))
    H += lam * np.eye(net.n_params)
    np.testing.assert_allclose(ev.grad, H @ theta.astype(float), rtol=tol, atol=tol)
    np.testing.assert_allclose(dense_hessian(DepthSmoothness(net, alpha, lam=lam, alpha_bias=alpha_b)), H,
                               atol=1e-12)
    np.testing.assert_array_equal(theta, theta_copy)


def test_antisymmetric_kernels_difference_the_matrices():
    """``‖(U−Uᵀ) − (V−Vᵀ)‖²_F = 2‖u − v‖²`` (``U, V`` strictly upper triangular); ``γ I`` cancels."""
    rng = np.random.default_rng(1)
    m, N, alpha = 4, 3, 0.3
    net = ResidualNetwork(m, N, h=0.5, kernel="antisymmetric", gamma=0.4, bias=None)
    theta = rng.standard_normal(net.n_params)
    reg = DepthSmoothness(net, alpha)
    ev = reg(theta)
    np.testing.assert_allclose(ev.value, loop_value_kernels(net, theta, alpha), rtol=1e-13)
    p = m * (m - 1) // 2
    D = first_difference(N)
    np.testing.assert_allclose(ev.grad, 2 * alpha / net.h * np.kron(D.T @ D, np.eye(p)) @ theta, rtol=1e-12)


def test_constant_layers_cost_only_the_weight_decay():
    net = ResidualNetwork(3, 6, T=1.0)
    k = np.random.default_rng(2).standard_normal(9)
    theta = net.layout.join(np.tile(k, (6, 1)), np.full((6, 3), 0.5))
    ev = DepthSmoothness(net, 10.0, lam=0.1)(theta)
    np.testing.assert_allclose(ev.value, 0.05 * theta @ theta, rtol=1e-14)
    np.testing.assert_allclose(ev.grad, 0.1 * theta, rtol=1e-14)


def test_scaling_with_h_makes_refinement_consistent():
    """Weights sampled from a smooth ``K(t)`` give nearly the same ``R`` at depth N and 2N."""
    m, T = 2, 3.0
    values = []
    for N in (50, 100):
        net = ResidualNetwork(m, N, T=T, bias=None)
        t = np.arange(N) * net.h
        k = np.stack([np.sin(t), np.cos(t), t, t**2 / T], axis=1)
        values.append(DepthSmoothness(net, 1.0)(k.reshape(-1)).value)
    np.testing.assert_allclose(values[0], values[1], rtol=0.05)


def test_sequential_smooths_each_deep_block_on_its_slice():
    rng = np.random.default_rng(3)
    res, leap = ResidualNetwork(4, 3, T=1.5), HyperbolicNetwork(4, 4, h=0.3)
    seq = Sequential(SingleLayer(2, 4), res, leap)
    offset, size = 3, seq.n_params + 7
    theta = rng.standard_normal(size)
    reg = DepthSmoothness(seq, 0.5, lam=0.2, offset=offset, size=size)
    assert [start for start, _ in reg.blocks] == [offset + 12, offset + 12 + res.n_params]
    ev = reg(theta)
    parts = seq.split_theta(theta[offset:offset + seq.n_params])
    expected = (loop_value(res, parts[1], 0.5, 0.5, 0.0) + loop_value(leap, parts[2], 0.5, 0.5, 0.0)
                + 0.1 * theta @ theta)
    np.testing.assert_allclose(ev.value, expected, rtol=1e-13)
    # the opening layer and the entries outside the model get only the weight decay
    outside = np.r_[0:offset + 12, offset + seq.n_params:size]
    np.testing.assert_allclose(ev.grad[outside], 0.2 * theta[outside], rtol=1e-14)
    H = dense_hessian(reg)
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    assert np.linalg.eigvalsh(H).min() >= 0.2 - 1e-12
    np.testing.assert_allclose(H @ theta, ev.grad, rtol=1e-12, atol=1e-14)


def test_plugs_into_the_network_objective():
    rng = np.random.default_rng(4)
    model = Sequential(SingleLayer(2, 3), ResidualNetwork(3, 4, T=2.0))
    Y, C = rng.standard_normal((2, 10)), np.eye(3)[:, rng.integers(0, 3, 10)]
    reg = DepthSmoothness(model, 0.3, lam=0.1)
    plain = NetworkObjective(model, Y, C)
    regularized = NetworkObjective(model, Y, C, reg_theta=reg)
    x = rng.standard_normal(plain.n_params)
    theta = x[:model.n_params]
    a, b = plain(x), regularized(x)
    np.testing.assert_allclose(b.value - a.value, reg(theta).value, rtol=1e-12)
    np.testing.assert_allclose((b.grad - a.grad)[:model.n_params], reg(theta).grad, atol=1e-13)
    v = rng.standard_normal(plain.n_params)
    np.testing.assert_allclose((b.hess_mv(v) - a.hess_mv(v))[:model.n_params], reg.hess_mv(v[:model.n_params]),
                               atol=1e-12)


@pytest.mark.parametrize("name", ["regularizer/depth-smoothness",
                                  "regularizer/depth-smoothness-sequential-antisymmetric"])
def test_registered_checks_pass(name):
    results = run_check(name)
    assert {r.test for r in results} == {"taylor-grad", "taylor-hess", "hess-symmetry"}
    assert all(r.passed for r in results), [r.detail for r in results]


def test_bad_input():
    net = ResidualNetwork(3, 4, T=1.0)
    with pytest.raises(ValueError, match="alpha"):
        DepthSmoothness(net, -1.0)
    with pytest.raises(ValueError, match="lam"):
        DepthSmoothness(net, 1.0, lam=np.nan)
    with pytest.raises(ValueError, match="offset"):
        DepthSmoothness(net, 1.0, offset=-2)
    with pytest.raises(ValueError, match="size"):
        DepthSmoothness(net, 1.0, offset=2, size=net.n_params)
    with pytest.raises(ValueError, match="model"):
        DepthSmoothness(SingleLayer(2, 3), 1.0)
    with pytest.raises(ValueError, match="model"):
        DepthSmoothness(Sequential(SingleLayer(2, 3)), 1.0)
    reg = DepthSmoothness(net, 1.0)
    with pytest.raises(ValueError, match="theta"):
        reg(np.zeros(net.n_params + 1))
    with pytest.raises(ValueError, match="theta"):
        reg(np.full(net.n_params, np.nan))
    with pytest.raises(ValueError, match="v"):
        reg.hess_mv(np.zeros(3))
