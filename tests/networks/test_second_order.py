"""Hyperbolic (leapfrog) and Hamiltonian networks: naive-loop oracles, reversible vs. stored
gradients, symplecticity, broken reconstructions are caught, overflow and bad input."""

import numpy as np
import pytest

from numdl.checks import LayerCase
from numdl.networks import (HamiltonianNetwork, HamiltonianReversibleCache, HyperbolicNetwork,
                            HyperbolicReversibleCache)


def naive_leapfrog(K, b, h, act, Y):
    prev = cur = Y
    for j in range(len(K)):
        prev, cur = cur, 2 * cur - prev - h**2 * K[j].T @ act.value(K[j] @ cur + b[j][:, None])
    return cur


def naive_hamiltonian(K, L, b, c, h, act, X):
    d = X.shape[0] // 2
    Y, Z = X[:d], X[d:]
    for j in range(len(K)):
        Z = Z - h * K[j].T @ act.value(K[j] @ Y + b[j][:, None])
        Y = Y + h * L[j].T @ act.value(L[j] @ Z + c[j][:, None])
    return np.vstack((Y, Z))


@pytest.mark.parametrize("reversible", [False, True])
def test_leapfrog_forward_matches_a_naive_loop(random_point, reversible):
    net = HyperbolicNetwork(3, 4, T=2.0, activation="softplus", reversible=reversible)
    theta, Y = random_point(net, n=5)
    K, (_, b) = net.kernel_matrices(theta), net.split_theta(theta)
    expected = naive_leapfrog(K, b, 0.5, net.activation, Y)
    np.testing.assert_allclose(net.forward(theta, Y)[0], expected, rtol=1e-13, atol=1e-14)
    states = net.states(theta, Y)
    assert states.shape == (5, 3, 5)
    np.testing.assert_allclose(states[-1], expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("reversible", [False, True])
def test_hamiltonian_forward_matches_a_naive_loop(random_point, reversible):
    net = HamiltonianNetwork(6, 4, h=0.3, activation="tanh", reversible=reversible)
    theta, X = random_point(net, n=5)
    N, d = 4, 3
    k, bc = net.split_theta(theta)
    KL = k.reshape(2 * N, d, d)
    expected = naive_hamiltonian(KL[:N], KL[N:], bc[:N], bc[N:], 0.3, net.activation, X)
    np.testing.assert_allclose(net.forward(theta, X)[0], expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net.states(theta, X)[-1], expected, rtol=1e-13, atol=1e-14)


# --- reversible mode ---------------------------------------------------------------

NETWORKS = {
    "leapfrog": lambda rev: HyperbolicNetwork(6, 30, T=3.0, reversible=rev),
    "leapfrog-scalar-bias": lambda rev: HyperbolicNetwork(5, 20, h=0.2, bias="scalar", reversible=rev),
    "hamiltonian": lambda rev: HamiltonianNetwork(6, 30, T=3.0, reversible=rev),
    "hamiltonian-nobias": lambda rev: HamiltonianNetwork(4, 20, h=0.2, bias=None, reversible=rev),
}


@pytest.mark.parametrize("name", NETWORKS)
def test_reversible_gradients_equal_stored_gradients(name):
    stored, reversible = NETWORKS[name](False), NETWORKS[name](True)
    rng = np.random.default_rng(5)
    theta = stored.init_theta(rng) + 0.1 * rng.standard_normal(stored.n_params)
    Y = rng.standard_normal((stored.n_in, 7))
    W, V = rng.standard_normal(Y.shape), rng.standard_normal(Y.shape)
    v = rng.standard_normal(theta.shape)
    Z_s, cache_s = stored.forward(theta, Y)
    Z_r, cache_r = reversible.forward(theta, Y)
    np.testing.assert_array_equal(Z_s, Z_r)
    g_s, gy_s = stored.jac_tmv(W, theta, Y, cache_s)
    g_r, gy_r = reversible.jac_tmv(W, theta, Y, cache_r)
    assert np.linalg.norm(g_r - g_s) <= 1e-8 * np.linalg.norm(g_s)
    assert np.linalg.norm(gy_r - gy_s) <= 1e-8 * np.linalg.norm(gy_s)
    np.testing.assert_array_equal(reversible.jac_theta_tmv(W, theta, Y, cache_r), g_r)
    np.testing.assert_array_equal(reversible.jac_y_tmv(W, theta, Y, cache_r), gy_r)
    np.testing.assert_allclose(reversible.jac_mv(v, V, theta, Y, cache_r), stored.jac_mv(v, V, theta, Y, cache_s),
                               rtol=1e-12, atol=1e-12)


def test_reversible_caches_hold_only_the_final_states(random_point):
    net = HyperbolicNetwork(3, 50, T=5.0, reversible=True)
    theta, Y = random_point(net, n=4, scale=0.3)
    Z, cache = net.forward(theta, Y)
    assert isinstance(cache, HyperbolicReversibleCache) and all(a.shape == (3, 4) for a in cache)
    assert cache.last is Z
    net = HamiltonianNetwork(4, 50, T=5.0, reversible=True)
    theta, Y = random_point(net, n=4, scale=0.3)
    Z, cache = net.forward(theta, Y)
    assert isinstance(cache, HamiltonianReversibleCache) and len(cache) == 1 and cache.last is Z


def test_a_stored_cache_is_refused_by_the_reversible_network(random_point):
    stored, reversible = HyperbolicNetwork(3, 2, h=0.5), HyperbolicNetwork(3, 2, h=0.5, reversible=True)
    theta, Y = random_point(stored)
    Z, cache = stored.forward(theta, Y)
    with pytest.raises(ValueError, match="cache: expected the HyperbolicReversibleCache"):
        reversible.jac_y_tmv(Z, theta, Y, cache)


class WrongReconstruction(HamiltonianNetwork):
    """Reconstructs Z_j without the force term: the reversible adjoint then uses wrong states."""

    def _backward_step(self, j, K, L, b, c, Y_next, Z_next):
        Y, _, *sig = super()._backward_step(j, K, L, b, c, Y_next, Z_next)
        return (Y, Z_next, *sig)


def test_checks_catch_a_wrong_reconstruction(random_point):
    theta, Y = random_point(HamiltonianNetwork(4, 3, h=0.5))
    for net, expected in [(WrongReconstruction(4, 3, h=0.5, reversible=True), {"adjoint-theta", "adjoint-Y"}),
                          (WrongReconstruction(4, 3, h=0.5), set())]:
        results = LayerCase(net, theta, Y).run("case")
        assert {r.test for r in results if not r.passed} == expected


# --- structure: symplectic, time-reversible ----------------------------------------

def test_hamiltonian_network_is_symplectic(random_point, dense_jacobians):
    net = HamiltonianNetwork(6, 5, h=0.4)
    theta, X = random_point(net, n=1)
    _, J = dense_jacobians(net, theta, X)  # (6, 6): one example
    d = 3
    Omega = np.block([[np.zeros((d, d)), np.eye(d)], [-np.eye(d), np.zeros((d, d))]])
    np.testing.assert_allclose(J.T @ Omega @ J, Omega, atol=1e-12)
    assert abs(np.linalg.det(J) - 1) < 1e-12


def test_leapfrog_step_runs_backwards(random_point):
    net = HyperbolicNetwork(4, 6, h=0.3, activation="sigmoid")
    theta, Y = random_point(net, n=3)
    states = net.states(theta, Y)
    K, b = net._unpack(theta)
    back, *_ = net._step(K[4], b[4], states[5], states[4])  # Y_3 = 2Y_4 − Y_5 − h² F_4(Y_4)
    np.testing.assert_allclose(back, states[3], rtol=1e-14, atol=1e-14)


def test_float32_is_preserved(random_point):
    for net in (HyperbolicNetwork(4, 3, h=0.5, reversible=True), HamiltonianNetwork(4, 3, h=0.5)):
        theta, Y = random_point(net, dtype=np.float32)
        Z, cache = net.forward(theta, Y)
        g, gy = net.jac_tmv(Z, theta, Y, cache)
        assert {Z.dtype, g.dtype, gy.dtype, net.jac_mv(theta, Y, theta, Y, cache).dtype} == {np.dtype(np.float32)}


# --- overflow and bad input ---------------------------------------------------------

@pytest.mark.parametrize("make, layer", [
    (lambda: HyperbolicNetwork(3, 8, h=1.0, activation="identity", bias=None), 1),   # ~1e200, then ~1e400
    (lambda: HamiltonianNetwork(4, 8, h=1.0, activation="identity", bias=None), 0),  # Y_1 ~ (1e100)^4
])
def test_overflow_names_the_layer(make, layer):
    net = make()
    with pytest.raises(FloatingPointError, match=rf"non-finite state after layer {layer} \(layers 0\.\.7\)"):
        net.forward(np.full(net.n_params, 1e100), np.ones((net.n_in, 2)))


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="^width: expected an even number"):
        HamiltonianNetwork(5, 3, h=0.1)
    with pytest.raises(ValueError, match="^h: "):
        HyperbolicNetwork(4, 3, h=-0.1)
    with pytest.raises(ValueError, match="^reversible: "):
        HyperbolicNetwork(4, 3, h=0.1, reversible="yes")
    with pytest.raises(ValueError, match="^bias: "):
        HamiltonianNetwork(4, 3, h=0.1, bias="row")


def test_wrong_theta_length_names_the_expected_length(random_point):
    for net, n in [(HyperbolicNetwork(4, 3, h=0.5), 60), (HamiltonianNetwork(4, 3, h=0.5), 36)]:
        theta, Y = random_point(net)
        assert net.n_params == n
        with pytest.raises(ValueError, match=f"theta: expected length {n}"):
            net.forward(theta[1:], Y)
