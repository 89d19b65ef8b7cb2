"""Objectives: the loss of a model on data plus regularization, as functions of one flat vector.

Every objective is a callable ``obj(x, idx=None) -> Evaluation(value, grad, hess_mv)``
(``idx``: a mini-batch of example indices where supported):

* :class:`LinearClassifierObjective` — softmax / logistic / squared loss of ``W [Y; 1]``;
* :class:`NetworkObjective` — softmax on ``W [Z(θ); 1]`` for any model of the layer
  protocol, with the block Gauss-Newton mat-vec;
* :class:`VarProObjective` — the reduced objective ``Φ(θ)`` with ``W(θ)`` eliminated;
* :class:`AdversarialObjective` — perturbations of the inputs of a trained classifier;
* :func:`saa` — sample average approximation driver.
"""

from numdl.objectives.adversarial import AdversarialObjective
from numdl.objectives.base import Evaluation
from numdl.objectives.linear import LinearClassifierObjective, loss_in_features
from numdl.objectives.network import NetworkObjective
from numdl.objectives.saa import SAAResult, saa
from numdl.objectives.varpro import VarProObjective

__all__ = ["AdversarialObjective", "Evaluation", "LinearClassifierObjective", "NetworkObjective",
           "SAAResult", "VarProObjective", "loss_in_features", "saa"]
