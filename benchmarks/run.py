"""Run every benchmark (``make bench``): each ``bench_*.py`` prints markdown table rows.

Usage: ``python benchmarks/run.py [NAME_SUBSTRING]``
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from harness import HEADER  # noqa: E402


def main(argv: list[str]) -> None:
    pattern = argv[1] if len(argv) > 1 else ""
    for path in sorted(HERE.glob("bench_*.py")):
        if pattern not in path.stem:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n### {path.stem}: {module.__doc__.strip().splitlines()[0]}\n\n{HEADER}", flush=True)
        for comparison in module.run():
            print(comparison.row(), flush=True)


if __name__ == "__main__":
    main(sys.argv)
