"""Named, runnable experiments of the course; each module registers its own.

``numdl list`` shows them; ``numdl run NAME`` runs one (see :mod:`.runner`).
"""

from numdl.experiments.context import Context, format_table
from numdl.experiments.registry import Experiment, Option, experiment, get_experiment, list_experiments
from numdl.experiments.runner import RunResult, run_experiment

__all__ = ["Context", "format_table", "Experiment", "Option", "experiment", "get_experiment",
           "list_experiments", "RunResult", "run_experiment"]
