"""Shared helpers of the network tests: random points, dense Jacobians, finite differences."""

import numpy as np
import pytest

from numdl.layers import jacobian_operator


def _random_point(net, n=4, seed=0, dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    theta = (scale * rng.standard_normal(net.n_params)).astype(dtype)
    Y = rng.standard_normal((net.n_in, n)).astype(dtype)
    return theta, Y


def _dense_jacobians(net, theta, Y):
    """``(J_θ, J_Y)`` as dense matrices from the network's products (C-order vec)."""
    Z, cache = net.forward(theta, Y)
    J_theta = jacobian_operator(net, theta, Y, Z, cache, wrt="theta")
    J_y = jacobian_operator(net, theta, Y, Z, cache, wrt="Y")
    return J_theta.matmat(np.eye(J_theta.shape[1])), J_y.matmat(np.eye(J_y.shape[1]))


def _dense_jacobians_transposed(net, theta, Y):
    """``(J_θ, J_Y)`` assembled row by row from the transposed products."""
    Z, cache = net.forward(theta, Y)
    J_theta = jacobian_operator(net, theta, Y, Z, cache, wrt="theta")
    J_y = jacobian_operator(net, theta, Y, Z, cache, wrt="Y")
    return J_theta.rmatmat(np.eye(Z.size)).T, J_y.rmatmat(np.eye(Z.size)).T


def _central_differences(fun, x, eps=1e-6):
    """Dense Jacobian of ``fun`` at ``x`` (any shape) by central differences (columns = vec(x))."""
    x = np.asarray(x, dtype=np.float64)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))).reshape(-1) / (2 * eps))
    return np.stack(cols, axis=1)


@pytest.fixture
def random_point():
    """``random_point(net, n=4, seed=0, dtype=float64, scale=1.0) -> (theta, Y)``, standard normal."""
    return _random_point


@pytest.fixture
def dense_jacobians():
    """``dense_jacobians(net, theta, Y) -> (J_θ, J_Y)`` from the forward products."""
    return _dense_jacobians


@pytest.fixture
def dense_jacobians_transposed():
    """``(J_θ, J_Y)`` assembled from the transposed products."""
    return _dense_jacobians_transposed


@pytest.fixture
def central_differences():
    """``central_differences(fun, x, eps=1e-6)``: dense Jacobian, columns = vec(x)."""
    return _central_differences
