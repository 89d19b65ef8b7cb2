"""Figures for the course, always written to PNG files (no pyplot, never blocking).

Every ``plot_*`` function builds a :class:`matplotlib.figure.Figure` with the
object-oriented API, saves it with :func:`save_figure` and returns the
``pathlib.Path`` written.
"""

from numdl.plot.classifiers import plot_decision_regions, plot_point_sets
from numdl.plot.curves import (plot_convergence, plot_curves, plot_histograms,
                               plot_singular_values)
from numdl.plot.figures import save_figure
from numdl.plot.images import plot_montage, plot_weights_as_images
from numdl.plot.landscapes import plot_landscape

__all__ = [
    "plot_convergence",
    "plot_curves",
    "plot_decision_regions",
    "plot_histograms",
    "plot_landscape",
    "plot_montage",
    "plot_point_sets",
    "plot_singular_values",
    "plot_weights_as_images",
    "save_figure",
]
