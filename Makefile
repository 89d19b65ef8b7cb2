# numdl — two promises: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/numdl run resnet-peaks --out $(OUT)/resnet-peaks
	@echo "Figures (decision regions, objective and validation accuracy vs. work, state norms) and metrics.json are in $(OUT)/resnet-peaks/"

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/numdl check

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	MPLBACKEND=Agg $(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info src/*.egg-info .pytest_cache
