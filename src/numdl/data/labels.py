"""One-hot label matrices ``C (n_c, n)`` and integer class labels ``(n,)``."""

from __future__ import annotations

import numpy as np

from numdl.utils.validation import check_array

__all__ = ["one_hot", "to_labels"]


def _check_int(value, name: str, *, minimum: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum``, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def one_hot(labels, n_c=None, dtype=np.float64) -> np.ndarray:
    """One-hot encode integer class labels, one column per example.

    ``C[k, j] = 1`` if ``labels[j] == k`` and ``0`` otherwise, so every column of
    ``C`` is a probability vector.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class of each example, in ``{0, ..., n_c - 1}``. Floating values are
        accepted when they are whole numbers.
    n_c : int, optional
        Number of classes. Default: ``max(labels) + 1``.
    dtype : dtype
        Type of the result.

    Returns
    -------
    C : ndarray, shape (n_c, n)

    Raises
    ------
    ValueError
        If ``labels`` is not a 1-D array of non-negative integers below ``n_c``.

    Examples
    --------
    >>> one_hot([2, 0, 1])
    array([[0., 1., 0.],
           [0., 0., 1.],
           [1., 0., 0.]])
    """
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"labels: expected a 1-D array of class indices, got shape {arr.shape}")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"labels: expected integer class indices, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError("labels: expected integer class indices, got non-integer values")
    if arr.size and arr.min() < 0:
        raise ValueError(f"labels: expected non-negative class indices, got {arr.min()}")
    if n_c is None:
        if arr.size == 0:
            raise ValueError("n_c: must be given when labels is empty")
        n_c = int(arr.max()) + 1
    n_c = _check_int(n_c, "n_c", minimum=1)
    if arr.size and arr.max() >= n_c:
        raise ValueError(f"labels: class index {arr.max()} is out of range for n_c={n_c}")
    idx = arr.astype(np.intp)
    C = np.zeros((n_c, idx.size), dtype=dtype)
    C[idx, np.arange(idx.size)] = 1
    return C


def to_labels(C) -> np.ndarray:
    """Most probable class of each example: ``labels[j] = argmax_k C[k, j]``.

    Parameters
    ----------
    C : array_like, shape (n_c, n)
        One-hot labels, class probabilities or scores, one column per example.

    Returns
    -------
    labels : ndarray of intp, shape (n,)
    """
    C = check_array(C, "C", ndim=2)
    if C.shape[0] == 0:
        raise ValueError("C: expected at least one row (class), got shape (0, n)")
    return np.argmax(C, axis=0)
