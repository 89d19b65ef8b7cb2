"""Losses of scores ``S (n_c, n)`` against labels ``C (n_c, n)``, with gradient and Hessian action.

Every loss returns a :class:`LossResult` ``(value, grad, hess_mv)`` in ``S``;
:func:`chain_rule_W` and :func:`chain_rule_Y` carry it to ``W`` or ``Y`` for
``S = W Y`` (lecture 4).
"""

from numdl.losses.base import LossResult, chain_rule_W, chain_rule_Y
from numdl.losses.logistic import check_binary_labels, logistic_loss
from numdl.losses.softmax import softmax, softmax_cross_entropy
from numdl.losses.squared import softmax_squared_error, squared_error

#: Losses by name, as accepted by ``loss=`` arguments.
LOSSES = {
    "softmax": softmax_cross_entropy,
    "logistic": logistic_loss,
    "squared": squared_error,
    "softmax-squared": softmax_squared_error,
}

__all__ = [
    "LOSSES", "LossResult", "chain_rule_W", "chain_rule_Y", "check_binary_labels",
    "logistic_loss", "softmax", "softmax_cross_entropy", "softmax_squared_error", "squared_error",
]
