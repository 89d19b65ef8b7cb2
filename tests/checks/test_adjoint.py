import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

from numdl.checks import adjoint_test


def test_matrix_transpose_passes_and_wrong_fails():
    A = np.random.default_rng(0).standard_normal((7, 4))
    ok = adjoint_test(lambda v: A @ v, lambda u: A.T @ u, (4,), (7,))
    assert ok.passed and ok.rel_error < 1e-14
    B = A.copy()
    B[0, 0] += 0.5
    bad = adjoint_test(lambda v: A @ v, lambda u: B.T @ u, (4,), (7,))
    assert not bad.passed and bad.rel_error > 1e-4
    assert f"{bad.u_Av:.16e}" in str(bad) and f"{bad.v_ATu:.16e}" in str(bad)


def test_matrix_shaped_arguments():
    """J_K v = mat(v) Y acting on matrices; its transpose is U Y^T."""
    Y = np.random.default_rng(1).standard_normal((3, 10))
    ok = adjoint_test(lambda V: V @ Y, lambda U: U @ Y.T, (5, 3), (5, 10))
    assert ok.passed
    bad = adjoint_test(lambda V: V @ Y, lambda U: U @ Y[:, ::-1].T, (5, 3), (5, 10))
    assert not bad.passed


def test_linear_operator_and_float32_tolerance():
    A = np.random.default_rng(2).standard_normal((6, 6))
    assert adjoint_test(aslinearoperator(A)).passed
    r32 = adjoint_test(lambda v: A.astype(np.float32) @ v, lambda u: A.T.astype(np.float32) @ u,
                       (6,), (6,), dtype=np.float32)
    assert r32.passed and r32.rtol == 1e-4


def test_shape_errors():
    A = np.ones((3, 2))
    with pytest.raises(ValueError, match="matvec"):
        adjoint_test(lambda v: A @ v, lambda u: A.T @ u, (2,), (4,))
    with pytest.raises(ValueError, match="give a LinearOperator"):
        adjoint_test(lambda v: v)
