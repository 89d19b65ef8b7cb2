"""The math inside the Module 2 experiments: random features, adversarial objective and
attacks, the SGD comparison loop and the L1 mask (the experiments themselves run in
test_all_experiments.py)."""

import numpy as np
import pytest
from scipy.special import logsumexp

from numdl.checks import adjoint_test, taylor_test
from numdl.data import load_digits
from numdl.objectives import AdversarialObjective
from numdl.experiments.adversarial_digits import (attack_l2, attack_linf,
                                                  class_probabilities, fold_input_scaling)
from numdl.experiments.l1_sparsity import k_mask
from numdl.experiments.random_features import choose_lam, fit_readout, numerical_rank, random_layer
from numdl.experiments.sgd_variants import run_optimizer
from numdl.layers import SingleLayer
from numdl.objectives import LinearClassifierObjective
from numdl.objectives.network import NetworkObjective
from numdl.optim import L1Prox, sgd, train


# --- random features -------------------------------------------------------------

def test_random_layer_scaling_and_layout():
    rng = np.random.default_rng(0)
    layer, theta = random_layer(50, 4000, "tanh", 2.0, rng)
    K, b = layer.split_theta(theta)
    assert K.shape == (4000, 50) and b.shape == (4000,)
    assert np.std(K) == pytest.approx(2.0 / np.sqrt(50), rel=0.02)
    assert np.std(b) == pytest.approx(2.0, rel=0.05)
    Y = rng.standard_normal((50, 7))
    np.testing.assert_allclose(layer.forward(theta, Y)[0], np.tanh(K @ Y + b[:, None]), rtol=1e-13)


def test_identity_features_have_rank_nf_plus_one_nonlinear_full_rank():
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((5, 200))
    ranks = {}
    for act in ("identity", "tanh", "sin", "relu"):
        layer, theta = random_layer(5, 60, act, 1.0, np.random.default_rng(2))
        Z = layer.forward(theta, Y)[0]
        s = np.linalg.svd(Z, compute_uv=False)
        ranks[act] = numerical_rank(s, 1e-10)
        assert ranks[act] == np.linalg.matrix_rank(Z, tol=1e-10 * s[0])
    assert ranks["identity"] == 6                     # Z = K Y + b eᵀ: rank ≤ n_f + 1
    assert ranks["tanh"] == ranks["sin"] == 60
    assert ranks["relu"] >= 55                        # a neuron whose ReLU is off everywhere adds nothing


def test_fit_readout_is_the_regularized_minimizer_and_choose_lam_takes_argmin():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((6, 80))
    C = np.eye(3)[:, rng.integers(0, 3, 80)]
    obj, theta = fit_readout(Z, C, 1e-2)
    assert np.linalg.norm(obj(theta).grad) < 1e-6
    Zv, Cv = rng.standard_normal((6, 40)), np.eye(3)[:, rng.integers(0, 3, 40)]
    lams = np.array([1e-3, 1e-1, 10.0])
    lam, losses = choose_lam(Z, C, Zv, Cv, lams)
    expected = [LinearClassifierObjective(Zv, Cv)(fit_readout(Z, C, l)[1]).value for l in lams]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert lam == lams[int(np.argmin(expected))]


# --- adversarial objective ---------------------------------------------------------

def _adversarial_problem(activation="tanh", alpha=0.3, seed=0, n_f=6, m=5, n_c=4, k=3):
    rng = np.random.default_rng(seed)
    layer = SingleLayer(n_f, m, activation)
    theta = rng.standard_normal(layer.n_params)
    W = rng.standard_normal((n_c, m + 1))
    Y = rng.uniform(0, 1, (n_f, k))
    C = np.eye(n_c)[:, rng.integers(0, n_c, k)]
    return AdversarialObjective(layer, theta, W, Y, C, alpha), layer, theta, W, Y, C


def _oracle_value(layer, theta, W, Y, C, D, alpha):
    """Σ_j CE(W [tanh(K(y_j+d_j)+b); 1], c_j) + α/2 ‖D‖², column by column with logsumexp."""
    K, b = layer.split_theta(theta)
    total = 0.0
    for j in range(Y.shape[1]):
        z = layer.activation.value(K @ (Y[:, j] + D[:, j]) + b)
        s = W[:, :-1] @ z + W[:, -1]
        total += logsumexp(s) - C[:, j] @ s
    return total + 0.5 * alpha * np.sum(D**2)


def test_adversarial_value_matches_per_image_oracle():
    obj, layer, theta, W, Y, C = _adversarial_problem()
    D = np.random.default_rng(9).standard_normal(Y.shape) * 0.1
    assert obj(D.reshape(-1)).value == pytest.approx(_oracle_value(layer, theta, W, Y, C, D, 0.3), rel=1e-13)


@pytest.mark.parametrize("activation", ["tanh", "sin", "sigmoid"])
def test_adversarial_gradient_taylor(activation):
    obj, *_ = _adversarial_problem(activation)
    d = np.random.default_rng(4).standard_normal(obj.Y.size) * 0.2
    ev = obj(d)
    res = taylor_test(lambda z: obj(z).value, d, grad=ev.grad, seed=1)
    assert res.passed, res.table()


def test_adversarial_gauss_newton_symmetric_psd_and_exact_for_linear_layer():
    obj, *_ = _adversarial_problem("tanh")
    d = np.random.default_rng(5).standard_normal(obj.Y.size) * 0.2
    ev = obj(d)
    assert adjoint_test(ev.hess_mv, ev.hess_mv, d.shape, d.shape).passed
    H = np.column_stack([ev.hess_mv(e) for e in np.eye(d.size)])
    assert np.linalg.eigvalsh(0.5 * (H + H.T)).min() >= obj.alpha - 1e-10
    # block diagonal: the images are independent; d = vec(D) in C order puts the
    # entries of image j at j, j + k, j + 2k, ...
    k = obj.shape[1]
    same_image = (np.arange(d.size)[:, None] % k) == (np.arange(d.size)[None, :] % k)
    assert np.all(H[~same_image] == 0)
    # with a linear layer the Gauss-Newton matrix is the Hessian: third-order Taylor test
    lin, *_ = _adversarial_problem("identity")
    ev = lin(d)
    res = taylor_test(lambda z: lin(z).value, d, grad=ev.grad, hess_mv=ev.hess_mv, seed=2)
    assert res.passed, res.table()


def test_adversarial_rejects_bad_input():
    obj, layer, theta, W, Y, C = _adversarial_problem()
    with pytest.raises(ValueError, match="alpha"):
        AdversarialObjective(layer, theta, W, Y, C, -1.0)
    with pytest.raises(ValueError, match="C_target"):
        AdversarialObjective(layer, theta, W, Y, C[:, :2], 1.0)
    with pytest.raises(ValueError, match="d"):
        obj(np.zeros(Y.size + 1))


@pytest.mark.parametrize("scale", [0.37, np.linspace(0.5, 2.0, 6)])
def test_fold_input_scaling(scale):
    rng = np.random.default_rng(6)
    layer = SingleLayer(6, 4, "tanh")
    theta = rng.standard_normal(layer.n_params)
    mean = rng.uniform(0, 1, 6)
    Y = rng.uniform(0, 1, (6, 9))
    raw = fold_input_scaling(layer, theta, mean, scale)
    expected = layer.forward(theta, (Y - mean[:, None]) / np.reshape(scale, (-1, 1)))[0]
    np.testing.assert_allclose(layer.forward(raw, Y)[0], expected, rtol=1e-12, atol=1e-14)


@pytest.fixture(scope="module")
def digits_classifier():
    data = load_digits(test_size=0.3, seed=0)
    layer, theta_scaled = random_layer(64, 100, "tanh", 1.0, np.random.default_rng(0))
    theta = fold_input_scaling(layer, theta_scaled, data.Y_train.mean(axis=1), data.Y_train.std())
    obj, w = fit_readout(layer.forward(theta, data.Y_train)[0], data.C_train, 1e-3)
    W = obj.weights(w)
    Y = data.Y_test[:, :6]
    P = class_probabilities(layer, theta, W, Y)
    return layer, theta, W, Y, np.argmax(P, axis=0), np.argsort(P, axis=0)[-2]


def test_attack_l2_changes_labels_and_stays_an_image(digits_classifier):
    layer, theta, W, Y, pred, targets = digits_classifier
    D, flipped, alpha_flip = attack_l2(layer, theta, W, Y, targets, 2.0 ** np.arange(6, -5, -1), maxiter=10)
    new = np.argmax(class_probabilities(layer, theta, W, Y + D), axis=0)
    assert flipped.any()
    np.testing.assert_array_equal(new[flipped] != pred[flipped], True)
    np.testing.assert_array_equal(np.isnan(alpha_flip), ~flipped)
    assert np.all(Y + D >= -1e-12) and np.all(Y + D <= 1 + 1e-12)
    assert np.all(np.linalg.norm(D, axis=0) < np.linalg.norm(Y, axis=0))


def test_attack_linf_respects_the_bounds_and_lowers_the_target_loss(digits_classifier):
    layer, theta, W, Y, pred, targets = digits_classifier
    eps = 0.1
    D = attack_linf(layer, theta, W, Y, targets, eps, maxiter=10)
    assert np.abs(D).max() <= eps + 1e-12
    assert np.all(Y + D >= -1e-12) and np.all(Y + D <= 1 + 1e-12)
    P0, P1 = (class_probabilities(layer, theta, W, X) for X in (Y, Y + D))
    k = np.arange(Y.shape[1])
    assert np.all(P1[targets, k] > P0[targets, k])


# --- SGD comparison loop -------------------------------------------------------------

def test_run_optimizer_records_the_full_objective_per_epoch():
    rng = np.random.default_rng(7)
    Y = rng.standard_normal((4, 120))
    C = np.eye(3)[:, np.argmax(rng.standard_normal((3, 4)) @ Y, axis=0)]   # linearly separable
    fit = LinearClassifierObjective(Y, C, lam=1e-2)
    val = LinearClassifierObjective(Y[:, :40], C[:, :40])
    res, values = run_optimizer(fit, val, sgd(0.2), batch_size=16, epochs=5, seed=0)
    assert values.shape == (6,)
    assert values[0] == pytest.approx(np.log(3), rel=1e-14)         # W = 0: uniform probabilities
    assert values[-1] == pytest.approx(fit(res.theta_last).value, rel=1e-14)
    assert values[-1] < 0.5 * values[0]
    assert res.n_epochs == 5 and res.n_grad_evals == 5 * 8


# --- L1 on K ----------------------------------------------------------------------------

def test_k_mask_selects_exactly_K_and_strong_l1_zeroes_it():
    rng = np.random.default_rng(8)
    layer = SingleLayer(3, 4, "tanh")
    Y, C = rng.standard_normal((3, 40)), np.eye(2)[:, rng.integers(0, 2, 40)]
    obj = NetworkObjective(layer, Y, C)
    x = obj.init(rng)
    mask = k_mask(obj)
    theta, _ = obj.split(x)
    K, _ = layer.split_theta(theta)
    np.testing.assert_array_equal(x[mask], K.reshape(-1))
    assert mask.sum() == 12
    res = train(obj, x, sgd(0.1), n_examples=40, batch_size=10, epochs=2, seed=0,
                prox=L1Prox(1e3, mask=mask), progress=False)
    assert np.all(res.theta_last[mask] == 0) and np.any(res.theta_last[~mask] != 0)


@pytest.mark.parametrize("name, options", [
    ("single-layer-peaks", {"solver": "varpro"}),
    ("single-layer-peaks", {"solver": "sgd"}),
    ("inverse-crime", {"solver": "varpro"}),
])
def test_non_default_options_run(name, options, tmp_path):
    """The experiment options beyond the defaults also run and report finite metrics."""
    from numdl.experiments import run_experiment

    res = run_experiment(name, tmp_path, quick=True, options=options, echo=lambda s: None)
    assert all(np.isfinite(v) for v in res.metrics.values() if isinstance(v, float))
    assert res.figures
