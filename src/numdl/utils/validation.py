"""Input validation with errors that name the argument and what was expected."""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.float64, np.float32)


def as_generator(seed) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed, a generator or ``None``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise ValueError(f"seed: expected an int, None or numpy.random.Generator, got {type(seed).__name__}")


def check_array(x, name: str, *, ndim: int | None = None, shape=None, dtype=None,
                finite: bool = True, copy: bool = False) -> np.ndarray:
    """Convert ``x`` to a floating array and validate it.

    Parameters
    ----------
    x : array_like
    name : str
        Name of the argument, used in error messages.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any size.
    dtype : dtype, optional
        Target dtype. By default float32 input stays float32, anything else
        becomes float64.
    finite : bool
        Reject NaN and inf.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: expected a real array, got dtype {arr.dtype}")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in FLOAT_DTYPES else np.float64
    arr = np.array(arr, dtype=dtype, copy=True) if copy else arr.astype(dtype, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if shape is not None:
        ok = len(shape) == arr.ndim and all(s is None or s == a for s, a in zip(shape, arr.shape))
        if not ok:
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name}: expected shape {want}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: contains {bad} NaN or inf value(s)")
    return arr


def check_labels(C, name: str = "C", *, n: int | None = None, atol: float = 1e-6) -> np.ndarray:
    """Validate a label matrix ``C`` of shape ``(n_c, n)``: one probability vector per column.

    Entries must lie in ``[0, 1]`` and each column must sum to 1; the error names
    the first bad column.
    """
    C = check_array(C, name, ndim=2)
    if n is not None and C.shape[1] != n:
        raise ValueError(f"{name}: expected {n} columns (one per example), got shape {C.shape}")
    if np.any(C < -atol) or np.any(C > 1 + atol):
        j = int(np.flatnonzero(np.any((C < -atol) | (C > 1 + atol), axis=0))[0])
        raise ValueError(f"{name}: entries must lie in [0, 1]; column {j} does not")
    sums = C.sum(axis=0)
    bad = np.flatnonzero(np.abs(sums - 1) > atol * max(1, C.shape[0]))
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"{name}: each column must sum to 1 (class probabilities); "
                         f"column {j} sums to {sums[j]:.6g}")
    return C


def check_features_labels(Y, C, *, y_name: str = "Y", c_name: str = "C"):
    """Validate features ``Y (n_f, n)`` and labels ``C (n_c, n)`` together."""
    Y = check_array(Y, y_name, ndim=2)
    C = check_labels(C, c_name, n=Y.shape[1])
    return Y, C


def check_fitted_features(Y, n_f: int | None, owner: str) -> np.ndarray:
    """Validate ``Y (n_f, n)`` for a fitted object that learned ``n_f`` features.

    ``n_f is None`` means ``owner`` is not fitted yet (``RuntimeError``); a different
    number of rows raises ``ValueError`` naming ``Y``.
    """
    if n_f is None:
        raise RuntimeError(f"{owner}: not fitted yet; call fit first")
    Y = check_array(Y, "Y", ndim=2)
    if Y.shape[0] != n_f:
        raise ValueError(f"Y: expected {n_f} features (rows) as in fit, got shape {Y.shape}")
    return Y
