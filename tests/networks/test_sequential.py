"""Sequential: chain rule through blocks against dense-Jacobian oracles, width validation,
parameter layout, errors naming the block."""

import numpy as np
import pytest

from numdl.layers import SingleLayer
from numdl.networks import HamiltonianNetwork, HyperbolicNetwork, ResidualNetwork, Sequential


def make_chain():
    return Sequential(SingleLayer(2, 4, "tanh"), ResidualNetwork(4, 2, h=0.5),
                      SingleLayer(4, 6, "sin", bias="scalar"), HamiltonianNetwork(6, 2, h=0.5, reversible=True),
                      HyperbolicNetwork(6, 2, h=0.4))


def test_jacobians_are_the_chain_rule_of_the_blocks(random_point, dense_jacobians):
    net = make_chain()
    theta, Y = random_point(net, n=2)
    J_theta, J_y = dense_jacobians(net, theta, Y)
    # oracle: J = J_B … J_1 assembled from each block's own dense Jacobians
    blocks_theta, Z, J_in = [], Y, np.eye(Y.size)
    for layer, theta_i in zip(net.layers, net.split_theta(theta)):
        Jt_i, Jy_i = dense_jacobians(layer, theta_i, Z)
        blocks_theta = [Jy_i @ B for B in blocks_theta] + [Jt_i]
        J_in = Jy_i @ J_in
        Z = layer.forward(theta_i, Z)[0]
    np.testing.assert_allclose(J_theta, np.hstack(blocks_theta), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(J_y, J_in, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(net.forward(theta, Y)[0], Z, rtol=1e-14)


def test_one_block_is_the_block_itself(random_point):
    block = ResidualNetwork(3, 2, h=0.5)
    net = Sequential(block)
    theta, Y = random_point(block)
    W = np.ones_like(Y)
    Z, cache = net.forward(theta, Y)
    Zb, cache_b = block.forward(theta, Y)
    np.testing.assert_array_equal(Z, Zb)
    np.testing.assert_array_equal(net.jac_theta_tmv(W, theta, Y, cache), block.jac_theta_tmv(W, theta, Y, cache_b))
    np.testing.assert_array_equal(net.jac_y_mv(W, theta, Y, cache), block.jac_y_mv(W, theta, Y, cache_b))


def test_layout_and_init():
    net = make_chain()
    sizes = [layer.n_params for layer in net.layers]
    assert net.n_params == sum(sizes) and (net.n_in, net.n_out) == (2, 6)
    theta = np.arange(net.n_params, dtype=float)
    parts = net.split_theta(theta)
    assert [p.size for p in parts] == sizes and parts[1][0] == sizes[0]
    np.testing.assert_array_equal(net.init_theta(0), net.init_theta(np.random.default_rng(0)))
    assert net.init_theta(0, dtype=np.float32).dtype == np.float32


def test_float32_is_preserved(random_point):
    net = make_chain()
    theta, Y = random_point(net, dtype=np.float32)
    Z, cache = net.forward(theta, Y)
    g, gy = net.jac_tmv(Z, theta, Y, cache)
    assert {Z.dtype, g.dtype, gy.dtype, net.jac_mv(theta, Y, theta, Y, cache).dtype} == {np.dtype(np.float32)}


def test_width_mismatch_names_the_block_and_sizes():
    with pytest.raises(ValueError, match=r"block 2 \(SingleLayer\) expects n_in = 5 .* block 1 "
                                         r"\(ResidualNetwork\) gives n_out = 4"):
        Sequential(SingleLayer(2, 4), ResidualNetwork(4, 2, h=0.5), SingleLayer(5, 3))


def test_bad_blocks_are_refused():
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential()
    with pytest.raises(ValueError, match=r"block 1 \(ndarray\) does not follow the layer protocol"):
        Sequential(SingleLayer(2, 4), np.eye(4))


def test_wrong_theta_length_names_the_expected_length(random_point):
    net = Sequential(SingleLayer(2, 4), ResidualNetwork(4, 2, h=0.5))
    theta, Y = random_point(net)
    with pytest.raises(ValueError, match=r"theta: expected length 52 \(blocks: 12 \+ 40\)"):
        net.forward(theta[:-1], Y)


def test_overflow_in_a_block_names_the_block_and_the_layer():
    net = Sequential(SingleLayer(2, 3, "identity"), ResidualNetwork(3, 6, h=1.0, activation="identity", bias=None))
    theta = np.concatenate((np.ones(9), np.full(6 * 9, 1e150)))
    with pytest.raises(FloatingPointError, match=r"^block 1 \(ResidualNetwork\): forward: .* after layer 2"):
        net.forward(theta, np.ones((2, 2)))
