"""Linear least squares: direct solvers, Tikhonov, iterative solvers and tuning (lectures 2-3)."""

from numdl.linalg.iterative import (LSQResult, cgls, column_scaling, lsq_steepest_descent,
                                    postconditioned)
from numdl.linalg.lstsq import (BiasVariance, LeastSquaresClassifier, LstsqResult,
                                RankDeficientWarning, bias_variance, design_matrix,
                                filter_factors, lstsq_normal, lstsq_qr, lstsq_svd, tikhonov,
                                tikhonov_svd)
from numdl.linalg.tuning import (CVResult, classification_error, cross_validate_iterations,
                                 cross_validate_lambda, lcurve, lcurve_curvature, squared_error)

__all__ = [
    "BiasVariance", "CVResult", "LSQResult", "LeastSquaresClassifier", "LstsqResult",
    "RankDeficientWarning",
    "bias_variance", "cgls", "classification_error", "column_scaling", "cross_validate_iterations",
    "cross_validate_lambda", "design_matrix", "filter_factors", "lcurve", "lcurve_curvature",
    "lsq_steepest_descent", "lstsq_normal", "lstsq_qr", "lstsq_svd", "postconditioned",
    "squared_error", "tikhonov", "tikhonov_svd",
]
