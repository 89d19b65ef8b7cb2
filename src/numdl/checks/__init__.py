"""Derivative (Taylor) and adjoint tests, and the registry behind ``numdl check``."""

from numdl.checks.adjoint import ADJOINT_RTOL, AdjointResult, adjoint_test
from numdl.checks.cases import CheckResult, LayerCase, MapCase, ObjectiveCase
from numdl.checks.registry import register_check, registered_checks, run_check, run_checks
from numdl.checks.taylor import TaylorResult, taylor_test

__all__ = [
    "ADJOINT_RTOL", "AdjointResult", "adjoint_test",
    "CheckResult", "LayerCase", "MapCase", "ObjectiveCase",
    "register_check", "registered_checks", "run_check", "run_checks",
    "TaylorResult", "taylor_test",
]
