"""SingleLayer: registered checks (and that they catch broken derivatives), dense-Jacobian
oracles, dtypes, input validation, parameters, the Jacobian as a LinearOperator."""

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, lsqr

from numdl.activations import SmoothReLU
from numdl.checks import LayerCase, adjoint_test, registered_checks, run_check
from numdl.layers import Layer, SingleLayer, SingleLayerCache, jacobian_operator

LAYER_CHECKS = [name for name in registered_checks() if name.startswith("layer/single-")]
BIASES = ["vector", "scalar", None]


def random_point(layer, n=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(layer.n_params).astype(dtype)
    Y = rng.standard_normal((layer.n_in, n)).astype(dtype)
    return theta, Y


def failed_tests(layer, seed=0):
    theta, Y = random_point(layer, seed=seed)
    return {r.test for r in LayerCase(layer, theta, Y).run("case", seed=seed) if not r.passed}


# --- registered checks, and that they can fail --------------------------------------

def test_the_promised_checks_are_registered():
    for name in ("layer/single-tanh", "layer/single-relu-smooth", "layer/single-sin-scalar-bias",
                 "layer/single-sigmoid-nobias"):
        assert name in LAYER_CHECKS


@pytest.mark.parametrize("name", LAYER_CHECKS)
def test_registered_checks_pass(name):
    results = run_check(name)
    assert {r.test for r in results} == {"taylor-theta", "taylor-Y", "adjoint-theta", "adjoint-Y"}
    assert all(r.passed for r in results), [f"{r.test}: {r.detail}" for r in results]


class TransposeWithoutSigmaPrime(SingleLayer):
    """J_θᵀ w computed as if σ' were 1."""

    def jac_theta_tmv(self, w, theta, Y, cache):
        return super().jac_theta_tmv(w, theta, Y, SingleLayerCache(np.ones_like(cache.dsigma)))


class JacYWithoutSigmaPrime(SingleLayer):
    """J_Y v = K v, σ' forgotten."""

    def jac_y_mv(self, v, theta, Y, cache):
        return super().jac_y_mv(v, theta, Y, SingleLayerCache(np.ones_like(cache.dsigma)))


class BiasTransposeSumsColumns(SingleLayer):
    """J_bᵀ summing over the wrong axis (columns instead of rows); used with n = n_out so shapes fit."""

    def jac_theta_tmv(self, w, theta, Y, cache):
        out = super().jac_theta_tmv(w, theta, Y, cache)
        out[self.n_out * self.n_in:] = (w * cache.dsigma).sum(axis=0)
        return out


def test_checks_pass_on_the_correct_layer():
    assert failed_tests(SingleLayer(3, 4, "tanh")) == set()


def test_checks_catch_a_transpose_without_sigma_prime():
    assert failed_tests(TransposeWithoutSigmaPrime(3, 4, "tanh")) == {"adjoint-theta"}


def test_checks_catch_a_forward_product_without_sigma_prime():
    assert failed_tests(JacYWithoutSigmaPrime(3, 4, "tanh")) == {"taylor-Y", "adjoint-Y"}


def test_checks_catch_a_bias_sum_over_the_wrong_axis():
    layer = BiasTransposeSumsColumns(3, 4, "sin")
    assert failed_tests(layer) == {"adjoint-theta"}


# --- dense Jacobian oracles ----------------------------------------------------------

def dense_from_products(mv, tmv, n_in, n_out):
    """Jacobian column by column from J v and row by row from Jᵀ u (unit vectors)."""
    J = np.column_stack([mv(e).reshape(-1) for e in np.eye(n_in)])
    JT = np.column_stack([tmv(e).reshape(-1) for e in np.eye(n_out)])
    return J, JT


def central_differences(fun, x, h=1e-6):
    cols = []
    for e in np.eye(x.size):
        step = h * e.reshape(x.shape)
        cols.append(((fun(x + step) - fun(x - step)) / (2 * h)).reshape(-1))
    return np.column_stack(cols)


@pytest.mark.parametrize("bias", BIASES)
@pytest.mark.parametrize("activation", ["tanh", "sin", "softplus"])
def test_theta_jacobian_equals_finite_differences_and_kronecker_formula(activation, bias):
    layer = SingleLayer(3, 2, activation, bias=bias)
    theta, Y = random_point(layer, n=4, seed=3)
    Z, cache = layer.forward(theta, Y)
    J, JT = dense_from_products(lambda v: layer.jac_theta_mv(v, theta, Y, cache).reshape(-1),
                                lambda u: layer.jac_theta_tmv(u.reshape(Z.shape), theta, Y, cache),
                                layer.n_params, Z.size)
    np.testing.assert_allclose(JT, J.T, rtol=1e-14, atol=1e-15)
    J_fd = central_differences(lambda th: layer.forward(th, Y)[0], theta)
    np.testing.assert_allclose(J, J_fd, rtol=1e-7, atol=1e-8)
    # independent closed form: vec_C(Z) = σ(vec_C(K Y) + b), d vec_C(K Y) / d vec_C(K) = I_m ⊗ Yᵀ
    D = np.diag(cache.dsigma.reshape(-1))
    J_K = D @ np.kron(np.eye(2), Y.T)
    np.testing.assert_allclose(J[:, :6], J_K, rtol=1e-14, atol=1e-15)
    if bias == "vector":
        np.testing.assert_allclose(J[:, 6:], D @ np.kron(np.eye(2), np.ones((4, 1))), rtol=1e-14)
    elif bias == "scalar":
        np.testing.assert_allclose(J[:, 6], cache.dsigma.reshape(-1), rtol=1e-14)


@pytest.mark.parametrize("bias", BIASES)
def test_y_jacobian_equals_finite_differences_and_kronecker_formula(bias):
    layer = SingleLayer(3, 2, SmoothReLU(0.5), bias=bias)
    theta, Y = random_point(layer, n=4, seed=4)
    K, _ = layer.split_theta(theta)
    Z, cache = layer.forward(theta, Y)
    J, JT = dense_from_products(lambda v: layer.jac_y_mv(v.reshape(Y.shape), theta, Y, cache).reshape(-1),
                                lambda u: layer.jac_y_tmv(u.reshape(Z.shape), theta, Y, cache).reshape(-1),
                                Y.size, Z.size)
    np.testing.assert_allclose(JT, J.T, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(J, central_differences(lambda y: layer.forward(theta, y)[0], Y),
                               rtol=1e-6, atol=1e-8)
    # d vec_C(K Y) / d vec_C(Y) = K ⊗ I_n
    np.testing.assert_allclose(J, np.diag(cache.dsigma.reshape(-1)) @ np.kron(K, np.eye(4)), rtol=1e-14)


def test_bias_transpose_is_row_sums_or_total_sum():
    rng = np.random.default_rng(5)
    Y, U = rng.standard_normal((3, 6)), rng.standard_normal((4, 6))
    for bias, expected in (("vector", lambda G: G.sum(axis=1)), ("scalar", lambda G: [G.sum()]),
                           (None, lambda G: [])):
        layer = SingleLayer(3, 4, "tanh", bias=bias)
        theta = rng.standard_normal(layer.n_params)
        _, cache = layer.forward(theta, Y)
        G = cache.dsigma * U
        g = layer.jac_theta_tmv(U, theta, Y, cache)
        np.testing.assert_allclose(g[:12], (G @ Y.T).reshape(-1), rtol=1e-14)
        np.testing.assert_allclose(g[12:], expected(G), rtol=1e-14)


# --- dtypes, inputs not mutated ---------------------------------------------------------

@pytest.mark.parametrize("bias", BIASES)
def test_float32_in_float32_out(bias):
    layer = SingleLayer(3, 5, "tanh", bias=bias)
    theta64, Y64 = random_point(layer, n=7, seed=6)
    theta, Y = theta64.astype(np.float32), Y64.astype(np.float32)
    Z, cache = layer.forward(theta, Y)
    Z64, cache64 = layer.forward(theta64, Y64)
    assert Z.dtype == np.float32 and cache.dsigma.dtype == np.float32
    np.testing.assert_allclose(Z, Z64, rtol=1e-5, atol=1e-6)
    rng = np.random.default_rng(7)
    v = rng.standard_normal(layer.n_params).astype(np.float32)
    V = rng.standard_normal(Y.shape).astype(np.float32)
    U = rng.standard_normal(Z.shape).astype(np.float32)
    products = [layer.jac_theta_mv(v, theta, Y, cache), layer.jac_theta_tmv(U, theta, Y, cache),
                layer.jac_y_mv(V, theta, Y, cache), layer.jac_y_tmv(U, theta, Y, cache)]
    products64 = [layer.jac_theta_mv(v, theta64, Y64, cache64), layer.jac_theta_tmv(U, theta64, Y64, cache64),
                  layer.jac_y_mv(V, theta64, Y64, cache64), layer.jac_y_tmv(U, theta64, Y64, cache64)]
    for p32, p64 in zip(products, products64):
        assert p32.dtype == np.float32
        np.testing.assert_allclose(p32, p64, rtol=1e-4, atol=1e-5)
    assert adjoint_test(layer.linearize(theta, Y)[1]).passed


def test_mixed_dtypes_compute_in_float64():
    layer = SingleLayer(2, 3)
    theta, Y = random_point(layer)
    assert layer.forward(theta, Y.astype(np.float32))[0].dtype == np.float64
    assert layer.forward(theta.astype(np.float32), Y)[0].dtype == np.float64


def test_inputs_are_not_mutated():
    layer = SingleLayer(3, 4, "relu")
    theta, Y = random_point(layer, n=5, seed=8)
    rng = np.random.default_rng(9)
    v, V, U = rng.standard_normal(theta.shape), rng.standard_normal(Y.shape), rng.standard_normal((4, 5))
    copies = [a.copy() for a in (theta, Y, v, V, U)]
    Z, cache = layer.forward(theta, Y)
    dsigma = cache.dsigma.copy()
    layer.jac_theta_mv(v, theta, Y, cache)
    layer.jac_theta_tmv(U, theta, Y, cache)
    layer.jac_y_mv(V, theta, Y, cache)
    layer.jac_y_tmv(U, theta, Y, cache)
    for a, a0 in zip((theta, Y, v, V, U, cache.dsigma), copies + [dsigma]):
        np.testing.assert_array_equal(a, a0)


# --- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda L, th, Y: L.forward(th[:-1], Y), r"theta: expected length 16 = n_out·n_in \(4·3\) \+ 4 bias"),
    (lambda L, th, Y: L.split_theta(np.ones(3)), "theta: expected length 16"),
    (lambda L, th, Y: L.forward(th, Y[:2]), r"Y: expected 3 rows .* got shape \(2, 5\)"),
    (lambda L, th, Y: L.forward(th, Y[0]), "Y: expected a 2-D array"),
    (lambda L, th, Y: L.forward(th, np.where(Y > 0, np.nan, Y)), "Y: contains .* NaN"),
    (lambda L, th, Y: L.forward(th.reshape(4, 4), Y), "theta: expected a 1-D array"),
    (lambda L, th, Y: L.jac_theta_mv(np.ones(15), th, Y, L.forward(th, Y)[1]), "v: expected shape"),
    (lambda L, th, Y: L.jac_theta_tmv(np.ones((4, 4)), th, Y, L.forward(th, Y)[1]), "w: expected shape"),
    (lambda L, th, Y: L.jac_y_mv(np.ones((4, 5)), th, Y, L.forward(th, Y)[1]), "v: expected shape"),
    (lambda L, th, Y: L.jac_y_tmv(np.ones((3, 5)), th, Y, L.forward(th, Y)[1]), "w: expected shape"),
    (lambda L, th, Y: L.linearize(th, Y, wrt="K"), "wrt: expected 'theta' or 'Y'"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    layer = SingleLayer(3, 4)
    theta, Y = random_point(layer, n=5)
    with pytest.raises(ValueError, match=match):
        call(layer, theta, Y)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_in=3, n_out=4, activation="swish"), "activation: unknown 'swish'; known: identity"),
    (dict(n_in=3, n_out=4, bias="matrix"), "bias: expected one of"),
    (dict(n_in=0, n_out=4), "n_in: expected a positive integer"),
    (dict(n_in=3, n_out=2.5), "n_out: expected a positive integer"),
])
def test_bad_construction_raises_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SingleLayer(**kwargs)


# --- parameters and protocol ---------------------------------------------------------------

def test_parameter_layout_is_rows_of_K_then_b():
    for bias, n_b in (("vector", 4), ("scalar", 1), (None, 0)):
        layer = SingleLayer(3, 4, bias=bias)
        assert layer.n_params == 12 + n_b and layer.n_bias == n_b
        theta = np.arange(layer.n_params, dtype=float)
        K, b = layer.split_theta(theta)
        np.testing.assert_array_equal(K, np.arange(12.0).reshape(4, 3))
        assert np.shares_memory(K, theta)
        if bias is None:
            assert b is None
        else:
            np.testing.assert_array_equal(b, np.arange(12.0, 12 + n_b))


def test_forward_equals_formula_for_each_bias():
    rng = np.random.default_rng(10)
    Y = rng.standard_normal((3, 6))
    K, b = rng.standard_normal((4, 3)), rng.standard_normal(4)
    cases = [("vector", np.concatenate([K.ravel(), b]), K @ Y + b[:, None]),
             ("scalar", np.concatenate([K.ravel(), b[:1]]), K @ Y + b[0]),
             (None, K.ravel(), K @ Y)]
    for bias, theta, S in cases:
        Z, cache = SingleLayer(3, 4, "sin", bias=bias).forward(theta, Y)
        np.testing.assert_allclose(Z, np.sin(S), rtol=1e-14)
        np.testing.assert_allclose(cache.dsigma, np.cos(S), rtol=1e-14)


def test_init_theta_is_seeded_scaled_gaussian_with_zero_bias():
    layer = SingleLayer(50, 200)
    theta = layer.init_theta(np.random.default_rng(0))
    np.testing.assert_array_equal(theta, layer.init_theta(0))
    assert theta.shape == (layer.n_params,) and theta.dtype == np.float64
    K, b = layer.split_theta(theta)
    assert np.all(b == 0)
    assert np.std(K) == pytest.approx(1 / np.sqrt(50), rel=0.03)
    assert layer.init_theta(1, dtype=np.float32).dtype == np.float32


def test_layer_follows_the_protocol_and_is_frozen():
    layer = SingleLayer(2, 3, "sigmoid")
    assert isinstance(layer, Layer)
    assert layer.activation.name == "sigmoid"
    with pytest.raises(AttributeError):
        layer.n_in = 5


# --- the Jacobian as a LinearOperator ------------------------------------------------------

@pytest.mark.parametrize("wrt", ["theta", "Y"])
def test_linearize_gives_the_jacobian_operator(wrt):
    layer = SingleLayer(3, 4, "tanh")
    theta, Y = random_point(layer, n=5, seed=11)
    Z, J = layer.linearize(theta, Y, wrt=wrt)
    Z_ref, cache = layer.forward(theta, Y)
    np.testing.assert_array_equal(Z, Z_ref)
    assert isinstance(J, LinearOperator) and J.dtype == np.float64
    x = theta if wrt == "theta" else Y
    assert J.shape == (Z.size, x.size)
    v = np.random.default_rng(12).standard_normal(x.size)
    mv = layer.jac_theta_mv if wrt == "theta" else layer.jac_y_mv
    np.testing.assert_allclose(J @ v, mv(v.reshape(x.shape), theta, Y, cache).reshape(-1), rtol=1e-14)
    assert adjoint_test(J).passed
    J2 = jacobian_operator(layer, theta, Y, Z, cache, wrt=wrt)
    np.testing.assert_allclose(J2.T @ Z.reshape(-1), J.rmatvec(Z.reshape(-1)), rtol=1e-14)


def test_linear_layer_parameters_recovered_by_lsqr_on_the_jacobian():
    # σ = identity: Z = K Y + b eᵀ is linear in θ, so Z = J θ and lsqr(J, vec Z) returns θ.
    layer = SingleLayer(3, 2, "identity")
    theta_true, Y = random_point(layer, n=10, seed=13)
    Z, J = layer.linearize(theta_true, Y)
    theta = lsqr(J, Z.reshape(-1), atol=1e-14, btol=1e-14)[0]
    np.testing.assert_allclose(theta, theta_true, rtol=1e-10)
