"""Kernel parametrizations: antisymmetry and spectrum, the transpose of the parametrization."""

import numpy as np
import pytest

from numdl.checks import adjoint_test
from numdl.networks import AntisymmetricKernel, FullKernel, make_kernel


@pytest.mark.parametrize("gamma", [0.0, 0.3])
def test_antisymmetric_kernels_have_spectrum_on_the_shifted_imaginary_axis(gamma):
    kernel = AntisymmetricKernel(5, gamma)
    K = kernel.matrices(np.random.default_rng(0).standard_normal((4, kernel.n_params)))
    np.testing.assert_allclose(K + K.transpose(0, 2, 1), np.broadcast_to(-2 * gamma * np.eye(5), K.shape), atol=0)
    lam = np.linalg.eigvals(K)
    np.testing.assert_allclose(lam.real, -gamma, atol=1e-12)
    assert np.abs(lam.imag).max() > 0.1


def test_parameters_are_the_entries_above_the_diagonal():
    kernel = AntisymmetricKernel(3)
    assert kernel.n_params == 3
    K = kernel.matrices(np.array([[1.0, 2.0, 3.0]]))[0]
    np.testing.assert_array_equal(K, [[0, 1, 2], [-1, 0, 3], [-2, -3, 0]])


@pytest.mark.parametrize("kernel", [AntisymmetricKernel(4, 0.5), FullKernel(3, 2)])
def test_gradients_are_the_transpose_of_directions(kernel):
    N = 3
    result = adjoint_test(kernel.directions, kernel.gradients, (N, kernel.n_params), (N, kernel.n_out, kernel.n_in))
    assert result.passed, str(result)


def test_gradient_of_the_antisymmetric_map_is_G_minus_G_transpose():
    G = np.arange(9.0).reshape(1, 3, 3)
    expected = (G - G.transpose(0, 2, 1))[:, [0, 0, 1], [1, 2, 2]]
    np.testing.assert_array_equal(AntisymmetricKernel(3).gradients(G), expected)


def test_make_kernel_and_bad_settings():
    assert make_kernel("full", 3) == FullKernel(3, 3)
    assert make_kernel("antisymmetric", 3, gamma=0.5) == AntisymmetricKernel(3, 0.5)
    with pytest.raises(ValueError, match="^kernel: "):
        make_kernel("toeplitz", 3)
    with pytest.raises(ValueError, match="^gamma: "):
        AntisymmetricKernel(3, gamma=np.nan)
