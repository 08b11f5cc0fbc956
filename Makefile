# inkset — one target per stage. `make help` lists them.
# Every target depends on the venv, so on a fresh machine `make demo` / `make test` do all set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INKSET := $(BIN)/inkset
export INKSET_HOME ?= $(CURDIR)
export PREFECT_HOME ?= $(INKSET_HOME)/data/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
SOURCE ?= replica
PORT ?= 4200

.PHONY: help install demo test bench gpu-smoke verify manga109 crawl-gcd gcd crawl-pixiv pixiv train refresh serve clean

help:  ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(VENV)/.installed  ## create .venv and install inkset with its test extras (idempotent)

# Re-runs only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip check
	touch $@

demo: install  ## the whole pipeline end to end, offline, on replica sources
	$(INKSET) demo

test: install  ## the test suite
	$(BIN)/python -m pytest -q

bench: install  ## benchmarks, one line per figure
	$(BIN)/python -m benchmarks

# No `install` prerequisite: a lent GPU machine may have no package index; it runs the venv's
# python when there is one, else $(PYTHON).
gpu-smoke:  ## on a GPU machine: every experiment with bf16+compile, ResNet-50 img/s, torchrun+NCCL (< 8 min)
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m benchmarks.gpu_smoke $(ARGS)

manga109: install  ## Manga109 datasets (generated replica, or MANGA109_ROOT=/path/to/Manga109)
	$(INKSET) manga109 --source $(SOURCE) $(ARGS)

crawl-gcd: install  ## crawl GCD covers + metadata into data/raw/gcd
	$(INKSET) crawl-gcd --source $(SOURCE) $(ARGS)

gcd: install  ## GCD datasets: gcd-covers, gcd-team-<team>, the team table
	$(INKSET) gcd --source $(SOURCE) $(ARGS)

crawl-pixiv: install  ## crawl Pixiv artists into data/raw/pixiv
	$(INKSET) crawl-pixiv --source $(SOURCE) $(ARGS)

pixiv: install  ## Pixiv datasets: pixiv-artists, pixiv-tags
	$(INKSET) pixiv --source $(SOURCE) $(ARGS)

train: install  ## train + evaluate + report: make train EXP=artist-pages [RELEASE=dir | DATASET=name] [ARGS="optim.epochs=2"]
	$(INKSET) train $(EXP) $(if $(RELEASE),--release $(RELEASE)) $(if $(DATASET),--dataset $(DATASET)) $(ARGS)

refresh: install  ## incremental crawl + rebuild; a new dated version only on change (DATASETS="gcd pixiv-tags")
	$(INKSET) refresh --source $(SOURCE) $(DATASETS) $(ARGS)

serve: install  ## Prefect server on 127.0.0.1:PORT (default 4200) + scheduled refreshes (data_manifests/schedules.toml)
	$(INKSET) serve --port $(PORT) --source $(SOURCE) $(ARGS)

verify: install  ## verify a release: make verify RELEASE=releases/<dataset>/<version>
	$(INKSET) verify $(RELEASE)

clean:  ## remove the work dirs (data, releases, published, runs, reports); keeps .venv
	rm -rf $(INKSET_HOME)/data $(INKSET_HOME)/releases $(INKSET_HOME)/published $(INKSET_HOME)/runs $(INKSET_HOME)/reports
