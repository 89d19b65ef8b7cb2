"""ResidualNetwork: registered checks (and that they catch broken adjoints), equivalence with
single layers, oracles (dense Jacobians, finite differences, a naive loop), dtypes,
overflow, input validation, parameter layout."""

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator

from numdl.activations import get_activation
from numdl.checks import LayerCase, adjoint_test, registered_checks, run_check
from numdl.layers import Layer, SingleLayer
from numdl.networks import ResidualCache, ResidualNetwork, Sequential

NETWORK_CHECKS = [name for name in registered_checks() if name.startswith("network")]


def failed_tests(net, theta, Y, seed=0):
    return {r.test for r in LayerCase(net, theta, Y).run("case", seed=seed) if not r.passed}


# --- registered checks, and that they can fail --------------------------------------

def test_the_promised_checks_are_registered():
    promised = ["network/resnet-tanh", "network/plain-tanh", "network/resnet-smooth-relu-scalar-bias",
                "network/resnet-smooth-relu-vector-bias", "network/resnet-fixed-P", "network/resnet-antisymmetric",
                "network/sequential-opening-resnet", "network/sequential-connector", "network/leapfrog-tanh",
                "network/leapfrog-reversible", "network/hamiltonian-tanh", "network/hamiltonian-reversible",
                "network-kernel/antisymmetric"]
    assert set(promised) <= set(NETWORK_CHECKS)


@pytest.mark.parametrize("name", NETWORK_CHECKS)
def test_registered_checks_pass(name):
    results = run_check(name)
    assert results
    assert all(r.passed for r in results), [f"{r.test}: {r.detail}" for r in results if not r.passed]


class AdjointWithoutSkip(ResidualNetwork):
    """Λ ← K_jᵀ G: the Pᵀ Λ term of the adjoint dropped."""

    def _add_skip_t(self, out, Lam, P):
        pass


class AdjointWithoutSigmaPrime(ResidualNetwork):
    """The adjoint sweep run with σ' = 1."""

    def jac_tmv(self, w, theta, Y, cache, *, wrt="both"):
        ones = tuple(np.ones_like(d) for d in cache.dsigma)
        return super().jac_tmv(w, theta, Y, ResidualCache(cache.states, ones), wrt=wrt)


@pytest.mark.parametrize("P", ["identity", "matrix"])
def test_checks_catch_an_adjoint_without_the_skip_term(random_point, P):
    P = np.random.default_rng(3).standard_normal((4, 4)) if P == "matrix" else P
    theta, Y = random_point(ResidualNetwork(4, 3, h=0.5, P=P))
    assert failed_tests(ResidualNetwork(4, 3, h=0.5, P=P), theta, Y) == set()
    assert failed_tests(AdjointWithoutSkip(4, 3, h=0.5, P=P), theta, Y) == {"adjoint-theta", "adjoint-Y"}


def test_checks_catch_an_adjoint_without_sigma_prime(random_point):
    theta, Y = random_point(ResidualNetwork(4, 3, h=0.5))
    assert failed_tests(AdjointWithoutSigmaPrime(4, 3, h=0.5), theta, Y) == {"adjoint-theta", "adjoint-Y"}


# --- equivalences with single layers ----------------------------------------------

@pytest.mark.parametrize("bias", ["vector", "scalar", None])
def test_depth_one_resnet_is_input_plus_h_times_a_single_layer(random_point, bias):
    h = 0.3
    net, layer = ResidualNetwork(4, 1, h=h, bias=bias, activation="sin"), SingleLayer(4, 4, "sin", bias=bias)
    assert net.n_params == layer.n_params  # same layout (vec(K_0), b_0)
    theta, Y = random_point(net, n=5)
    rng = np.random.default_rng(1)
    v, V, W = rng.standard_normal(theta.shape), rng.standard_normal(Y.shape), rng.standard_normal(Y.shape)
    Z, cache = net.forward(theta, Y)
    Z1, cache1 = layer.forward(theta, Y)
    np.testing.assert_allclose(Z, Y + h * Z1, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(net.jac_theta_mv(v, theta, Y, cache), h * layer.jac_theta_mv(v, theta, Y, cache1),
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net.jac_y_mv(V, theta, Y, cache), V + h * layer.jac_y_mv(V, theta, Y, cache1),
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net.jac_theta_tmv(W, theta, Y, cache), h * layer.jac_theta_tmv(W, theta, Y, cache1),
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net.jac_y_tmv(W, theta, Y, cache), W + h * layer.jac_y_tmv(W, theta, Y, cache1),
                               rtol=1e-13, atol=1e-14)


def test_plain_network_is_a_composition_of_single_layers(random_point, dense_jacobians):
    N, m = 3, 4
    net = ResidualNetwork(m, N, h=1.0, P="zero", activation="tanh")
    chain = Sequential(*[SingleLayer(m, m, "tanh") for _ in range(N)])
    theta, Y = random_point(net, n=3)
    k, b = net.split_theta(theta)
    theta_chain = np.concatenate([np.concatenate((k[j], b[j])) for j in range(N)])  # (K_j, b_j) per layer
    np.testing.assert_allclose(net.forward(theta, Y)[0], chain.forward(theta_chain, Y)[0], rtol=1e-14)
    J_theta, J_y = dense_jacobians(net, theta, Y)
    C_theta, C_y = dense_jacobians(chain, theta_chain, Y)
    perm = np.concatenate([np.r_[j * m * m:(j + 1) * m * m, N * m * m + j * m:N * m * m + (j + 1) * m]
                           for j in range(N)])
    np.testing.assert_allclose(J_theta[:, perm], C_theta, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J_y, C_y, rtol=1e-12, atol=1e-14)


# --- oracles ------------------------------------------------------------------------

def naive_resnet(K, b, P, h, act, Y):
    for j in range(len(K)):
        Y = P @ Y + h * act.value(K[j] @ Y + b[j][:, None])
    return Y


@pytest.mark.parametrize("kernel, gamma, P", [("full", 0.0, "identity"), ("antisymmetric", 0.2, "identity"),
                                              ("full", 0.0, "matrix"), ("full", 0.0, "zero")])
def test_forward_matches_a_naive_loop(random_point, kernel, gamma, P):
    m = 4
    P_matrix = {"identity": np.eye(m), "zero": np.zeros((m, m)), "matrix": np.arange(16.0).reshape(4, 4) / 20}[P]
    net = ResidualNetwork(m, 3, T=1.2, kernel=kernel, gamma=gamma, P=P_matrix if P == "matrix" else P,
                          activation="sigmoid")
    theta, Y = random_point(net, n=6)
    K, (_, b) = net.kernel_matrices(theta), net.split_theta(theta)
    if kernel == "antisymmetric":
        np.testing.assert_allclose(K + K.transpose(0, 2, 1), np.broadcast_to(-2 * gamma * np.eye(m), K.shape),
                                   atol=1e-15)
    expected = naive_resnet(K, b, P_matrix, 0.4, net.activation, Y)
    np.testing.assert_allclose(net.forward(theta, Y)[0], expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("make", [lambda: ResidualNetwork(3, 2, h=0.7, bias="scalar"),
                                  lambda: ResidualNetwork(3, 3, T=1.0, kernel="antisymmetric")])
def test_jacobians_match_central_differences(random_point, dense_jacobians, dense_jacobians_transposed,
                                             central_differences, make):
    net = make()
    theta, Y = random_point(net, n=2)
    J_theta, J_y = dense_jacobians(net, theta, Y)
    np.testing.assert_allclose(J_theta, central_differences(lambda t: net.forward(t, Y)[0], theta), atol=1e-8)
    np.testing.assert_allclose(J_y, central_differences(lambda y: net.forward(theta, y)[0], Y), atol=1e-8)
    T_theta, T_y = dense_jacobians_transposed(net, theta, Y)
    np.testing.assert_allclose(T_theta, J_theta, atol=1e-14)
    np.testing.assert_allclose(T_y, J_y, atol=1e-14)


def test_combined_products_equal_the_sum_of_the_protocol_products(random_point):
    net = ResidualNetwork(4, 3, h=0.5, P=np.eye(4)[::-1])
    theta, Y = random_point(net)
    rng = np.random.default_rng(2)
    v, V, W = rng.standard_normal(theta.shape), rng.standard_normal(Y.shape), rng.standard_normal(Y.shape)
    Z, cache = net.forward(theta, Y)
    np.testing.assert_allclose(net.jac_mv(v, V, theta, Y, cache),
                               net.jac_theta_mv(v, theta, Y, cache) + net.jac_y_mv(V, theta, Y, cache), rtol=1e-13)
    g_theta, g_y = net.jac_tmv(W, theta, Y, cache)
    np.testing.assert_array_equal(g_theta, net.jac_theta_tmv(W, theta, Y, cache))
    np.testing.assert_array_equal(g_y, net.jac_y_tmv(W, theta, Y, cache))


# --- dtypes, inputs not mutated, protocol --------------------------------------------

def test_float32_is_preserved_and_close_to_float64(random_point):
    net = ResidualNetwork(4, 3, h=0.5, kernel="antisymmetric", P=np.eye(4) / 2)
    theta, Y = random_point(net)
    rng = np.random.default_rng(4)
    v, V, W = rng.standard_normal(theta.shape), rng.standard_normal(Y.shape), rng.standard_normal(Y.shape)
    results = {}
    for dtype in (np.float64, np.float32):
        t, y = theta.astype(dtype), Y.astype(dtype)
        Z, cache = net.forward(t, y)
        out = [Z, net.jac_theta_mv(v.astype(dtype), t, y, cache), net.jac_y_mv(V.astype(dtype), t, y, cache),
               net.jac_theta_tmv(W.astype(dtype), t, y, cache), net.jac_y_tmv(W.astype(dtype), t, y, cache)]
        assert all(o.dtype == dtype for o in out)
        results[dtype] = out
    for a, b in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_inputs_are_not_mutated_and_output_is_read_only(random_point):
    net = ResidualNetwork(4, 3, h=0.5)
    theta, Y = random_point(net)
    W, V, v = np.ones_like(Y), np.full_like(Y, 2.0), np.full_like(theta, 3.0)
    copies = [a.copy() for a in (theta, Y, W, V, v)]
    with np.errstate(all="raise"):
        Z, cache = net.forward(theta, Y)
        net.jac_mv(v, V, theta, Y, cache)
        net.jac_tmv(W, theta, Y, cache)
    for a, b in zip((theta, Y, W, V, v), copies):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="read-only"):
        Z += 1


def test_follows_the_layer_protocol_and_linearizes(random_point):
    net = ResidualNetwork(4, 3, T=1.0)
    assert isinstance(net, Layer) and (net.n_in, net.n_out) == (4, 4)
    theta, Y = random_point(net)
    Z, J = net.linearize(theta, Y)
    assert isinstance(J, LinearOperator) and J.shape == (Z.size, net.n_params)
    assert adjoint_test(J).passed
    assert adjoint_test(net.linearize(theta, Y, wrt="Y")[1]).passed


# --- parameters -------------------------------------------------------------------

def test_theta_layout_all_kernels_then_all_biases():
    N, m = 3, 4
    net = ResidualNetwork(m, N, h=0.1)
    theta = np.arange(net.n_params, dtype=float)
    K, (k, b) = net.kernel_matrices(theta), net.split_theta(theta)
    assert net.n_params == N * (m * m + m)
    np.testing.assert_array_equal(K[1], np.arange(16, 32).reshape(4, 4))
    np.testing.assert_array_equal(b[2], N * m * m + 2 * m + np.arange(4))
    assert np.shares_memory(k, theta) and np.shares_memory(b, theta)
    assert ResidualNetwork(m, N, h=0.1, bias="scalar").n_params == N * (m * m + 1)
    assert ResidualNetwork(m, N, h=0.1, bias=None, kernel="antisymmetric").n_params == N * m * (m - 1) // 2


def test_init_theta_is_seeded_scaled_and_typed():
    net = ResidualNetwork(8, 5, T=1.0)
    theta = net.init_theta(np.random.default_rng(0))
    np.testing.assert_array_equal(theta, net.init_theta(0))
    k, b = net.split_theta(theta)
    assert np.all(b == 0) and 0.2 < k.std() < 0.5  # N(0, 1/8): std ≈ 0.35
    assert net.init_theta(0, dtype=np.float32).dtype == np.float32


def test_step_size_from_T_or_h():
    assert ResidualNetwork(3, 4, T=2.0).h == 0.5
    assert ResidualNetwork(3, 4, h=0.25).T == 1.0


# --- overflow and bad input ---------------------------------------------------------

def test_overflow_names_the_layer():
    net = ResidualNetwork(3, 6, h=1.0, activation="identity", bias=None)
    theta = np.full(net.n_params, 1e150)
    with pytest.raises(FloatingPointError, match=r"after layer 2 \(layers 0\.\.5\)"):
        net.forward(theta, np.ones((3, 2)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(h=0.0), "^h: "), (dict(h=-1.0), "^h: "), (dict(T=-2.0), "^T: "), (dict(h=np.inf), "^h: "),
    (dict(), "exactly one"), (dict(T=1.0, h=0.1), "exactly one"),
    (dict(h=1.0, P="ones"), "^P: "), (dict(h=1.0, P=np.eye(3)), r"^P: .*\(4, 4\)"),
    (dict(h=1.0, bias="row"), "^bias: "), (dict(h=1.0, kernel="diagonal"), "^kernel: "),
    (dict(h=1.0, gamma=0.1), "^gamma: "), (dict(h=1.0, kernel="antisymmetric", gamma=-1.0), "^gamma: "),
    (dict(h=1.0, activation="swish"), "activation: "),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResidualNetwork(4, 3, **kwargs)


@pytest.mark.parametrize("width, depth, name", [(0, 3, "width"), (4, 0, "depth"), (4, 2.5, "depth")])
def test_bad_sizes_are_named(width, depth, name):
    with pytest.raises(ValueError, match=f"^{name}: "):
        ResidualNetwork(width, depth, h=1.0)


def test_wrong_theta_length_names_the_expected_length(random_point):
    net = ResidualNetwork(4, 3, h=0.5)
    theta, Y = random_point(net)
    with pytest.raises(ValueError, match="theta: expected length 60"):
        net.forward(theta[:-1], Y)
    Z, cache = net.forward(theta, Y)
    with pytest.raises(ValueError, match=r"v: expected shape \(60,\)"):
        net.jac_theta_mv(theta[:-2], theta, Y, cache)


def test_bad_inputs_and_directions_are_named(random_point):
    net = ResidualNetwork(4, 3, h=0.5)
    theta, Y = random_point(net)
    with pytest.raises(ValueError, match="Y: expected 4 rows"):
        net.forward(theta, Y[:3])
    with pytest.raises(ValueError, match="Y: contains 1 NaN"):
        net.forward(theta, np.where(np.arange(Y.size).reshape(Y.shape) == 3, np.nan, Y))
    Z, cache = net.forward(theta, Y)
    with pytest.raises(ValueError, match="w: expected shape"):
        net.jac_theta_tmv(Z[:, :2], theta, Y, cache)
    with pytest.raises(ValueError, match="cache: "):
        net.jac_y_tmv(Z[:, :2], theta, Y[:, :2], cache)
    with pytest.raises(ValueError, match="wrt: "):
        net.jac_tmv(Z, theta, Y, cache, wrt="K")
    with pytest.raises(ValueError, match="jac_mv: "):
        net.jac_mv(None, None, theta, Y, cache)


def test_smooth_relu_activation_instance_is_accepted():
    act = get_activation("smooth_relu", eta=0.5)
    assert ResidualNetwork(3, 2, h=0.5, activation=act).activation is act
