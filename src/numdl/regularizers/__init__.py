"""Regularizers of weights whose rows are images, and the sparse grid operators they use.

* :mod:`~numdl.regularizers.operators` — identity, first and second differences,
  Laplacian and gradient on 1-D/2-D/3-D pixel grids (``scipy.sparse``, C order).
* :mod:`~numdl.regularizers.tikhonov` — ``R(W) = (λ/2) ‖L Wᵀ‖_F²`` on the flat
  weights ``theta = W.reshape(-1)``, returning value, gradient and Hessian mat-vec.
"""

from numdl.regularizers.operators import (
    BOUNDARIES,
    first_difference_1d,
    gradient_operator,
    identity_operator,
    laplacian,
    second_difference_1d,
)
from numdl.regularizers.tikhonov import KINDS, Tikhonov, smoothness_regularizer

__all__ = [
    "BOUNDARIES", "first_difference_1d", "gradient_operator", "identity_operator", "laplacian",
    "second_difference_1d", "KINDS", "Tikhonov", "smoothness_regularizer",
]
from numdl.regularizers.depth import DepthSmoothness  # noqa: E402  (smoothness in depth, lectures 9–10)
__all__ += ["DepthSmoothness"]
