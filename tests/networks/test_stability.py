"""Stability reports: forward-Euler factors on known kernels, antisymmetric kernels, state norms."""

import numpy as np
import pytest

from numdl.networks import (HamiltonianNetwork, HyperbolicNetwork, ResidualNetwork, Sequential,
                            stability_report, state_norms)


def minus_identity_theta(net):
    theta = np.zeros(net.n_params)
    k, _ = net.split_theta(theta)
    k[:] = -np.eye(net.width).ravel()
    return theta


@pytest.mark.parametrize("h, stable", [(0.5, True), (1.0, True), (2.0, True), (2.5, False), (4.0, False)])
def test_minus_identity_is_euler_stable_exactly_for_h_at_most_2(h, stable):
    net = ResidualNetwork(3, 2, h=h, activation="identity")
    report = stability_report(net, minus_identity_theta(net), np.ones((3, 4)))
    np.testing.assert_allclose(report.kernel_eigenvalues, -1)
    np.testing.assert_allclose(report.max_real, -1)
    np.testing.assert_allclose(report.euler_factor, abs(1 - h))
    assert report.stable().tolist() == [stable, stable]
    # σ' = 1: the layer Jacobian is I + h K_j, with spectral radius max |1 + hλ|
    np.testing.assert_allclose(report.jacobian_radius, abs(1 - h))
    np.testing.assert_allclose(report.state_norms, np.sqrt(12) * abs(1 - h) ** np.arange(3))
    assert len(report.rows()) == 2 and report.rows()[1]["max |1+hλ|"] == pytest.approx(abs(1 - h))


@pytest.mark.parametrize("h", [0.01, 0.1, 1.0])
def test_antisymmetric_kernels_are_euler_unstable_for_every_h(h):
    net = ResidualNetwork(4, 3, h=h, kernel="antisymmetric")
    report = stability_report(net, net.init_theta(0), np.ones((4, 2)))
    np.testing.assert_allclose(report.max_real, 0, atol=1e-12)
    assert np.all(report.euler_factor > 1) and not report.stable().any()


def test_jacobian_radius_per_example_and_at_the_mean():
    net = ResidualNetwork(3, 2, h=0.5, P=np.eye(3) / 2)
    rng = np.random.default_rng(0)
    theta, Y = rng.standard_normal(net.n_params), rng.standard_normal((3, 5))
    K = net.kernel_matrices(theta)
    dsigma = net.forward(theta, Y)[1].dsigma
    report_mean, report_each = stability_report(net, theta, Y), stability_report(net, theta, Y, per_example=True)
    assert report_mean.jacobian_eigenvalues.shape == (2, 3) and report_each.jacobian_eigenvalues.shape == (2, 5, 3)
    mean, worst = report_mean.jacobian_radius, report_each.jacobian_radius
    for j in range(2):
        J_mean = np.eye(3) / 2 + 0.5 * np.diag(dsigma[j].mean(axis=1)) @ K[j]
        assert mean[j] == pytest.approx(np.abs(np.linalg.eigvals(J_mean)).max())
        radii = [np.abs(np.linalg.eigvals(np.eye(3) / 2 + 0.5 * np.diag(dsigma[j][:, i]) @ K[j])).max()
                 for i in range(5)]
        assert worst[j] == pytest.approx(max(radii))


def test_state_norms_through_depth(random_point):
    for net in (ResidualNetwork(4, 5, T=1.0), HyperbolicNetwork(4, 5, T=1.0, reversible=True),
                HamiltonianNetwork(4, 5, T=1.0)):
        theta, Y = random_point(net, n=3)
        norms = state_norms(net, theta, Y)
        assert norms.shape == (6,) and norms[0] == pytest.approx(np.linalg.norm(Y))
        assert norms[-1] == pytest.approx(np.linalg.norm(net.forward(theta, Y)[0]))


def test_bad_networks_are_refused():
    seq = Sequential(ResidualNetwork(3, 2, h=0.5))
    with pytest.raises(ValueError, match="^network: expected a ResidualNetwork"):
        stability_report(HyperbolicNetwork(3, 2, h=0.5), np.zeros(24), np.ones((3, 2)))
    with pytest.raises(ValueError, match="^network: expected a network with a states"):
        state_norms(seq, np.zeros(seq.n_params), np.ones((3, 2)))
