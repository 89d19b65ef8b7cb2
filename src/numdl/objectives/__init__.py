"""Objectives: loss of a model on data plus regularization, as functions of one flat ``theta``."""

from numdl.objectives.base import Evaluation
from numdl.objectives.linear import LinearClassifierObjective, loss_in_features

__all__ = ["Evaluation", "LinearClassifierObjective", "loss_in_features"]
from numdl.objectives.network import NetworkObjective
from numdl.objectives.saa import SAAResult, saa
from numdl.objectives.varpro import VarProObjective

__all__ += ["NetworkObjective", "SAAResult", "VarProObjective", "saa"]
from numdl.objectives.adversarial import AdversarialObjective
