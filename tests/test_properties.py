"""Property-based tests (hypothesis): invariants that must hold for any size and data."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from numdl.checks import adjoint_test
from numdl.data import one_hot, to_labels
from numdl.layers import SingleLayer
from numdl.losses import softmax, softmax_cross_entropy

sizes = st.integers(min_value=1, max_value=6)
activations = st.sampled_from(["tanh", "sigmoid", "sin", "softplus", "identity"])
biases = st.sampled_from(["vector", "scalar", None])


@settings(max_examples=30, deadline=None)
@given(n_in=sizes, n_out=sizes, n=sizes, act=activations, bias=biases, seed=st.integers(0, 2**16))
def test_single_layer_transposes_for_any_shape(n_in, n_out, n, act, bias, seed):
    rng = np.random.default_rng(seed)
    layer = SingleLayer(n_in, n_out, act, bias=bias)
    theta, Y = layer.init_theta(rng), rng.standard_normal((n_in, n))
    Z, cache = layer.forward(theta, Y)
    for mv, tmv, shape in [(layer.jac_theta_mv, layer.jac_theta_tmv, theta.shape),
                           (layer.jac_y_mv, layer.jac_y_tmv, Y.shape)]:
        res = adjoint_test(lambda v: mv(v, theta, Y, cache), lambda w: tmv(w, theta, Y, cache),
                           shape, Z.shape, seed=rng)
        assert res.passed, str(res)


@settings(max_examples=50, deadline=None)
@given(n_c=st.integers(2, 6), n=sizes, scale=st.floats(1e-3, 1e4), seed=st.integers(0, 2**16))
def test_softmax_cross_entropy_is_a_valid_loss_for_huge_scores(n_c, n, scale, seed):
    rng = np.random.default_rng(seed)
    S = scale * rng.standard_normal((n_c, n))
    C = one_hot(rng.integers(0, n_c, n), n_c)
    P = softmax(S)
    np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-12)
    res = softmax_cross_entropy(S, C)
    assert np.isfinite(res.value) and res.value >= 0
    # the gradient (1/n)(P − C) has columns summing to zero
    np.testing.assert_allclose(res.grad.sum(axis=0), 0.0, atol=1e-12)


@given(labels=st.lists(st.integers(0, 9), min_size=1, max_size=50))
def test_one_hot_round_trip(labels):
    labels = np.array(labels)
    C = one_hot(labels, 10)
    assert C.shape == (10, labels.size) and np.all(C.sum(axis=0) == 1)
    np.testing.assert_array_equal(to_labels(C), labels)
