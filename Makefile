# Omnichannel CRM: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

#: list the targets
help:
	@grep -B1 -E '^[a-z-]+:' Makefile | grep -E '^#:' -A1 | grep -vE '^--' | paste - - | sed -E 's/#: (.*)\t([a-z-]+):.*/  \2\t\1/' | expand -t 14

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

#: create the virtualenv and install the pinned requirements
install: $(VENV)/.installed

#: migrate, create a demo tenant, simulate traffic, print the comparison, serve the dashboards
# The demo serves plain HTTP on loopback with DEBUG on: development keys, no HTTPS redirect.
# Production runs with DEBUG off and its keys in the environment (README, "Production").
demo: export DEBUG ?= true
demo: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
demo: install
	$(PY) manage.py demo
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws websockets-sansio

#: run the test suite (SQLite and eager Celery by default; DATABASE_URL / CELERY_BROKER_URL to change)
test: install
	$(PY) -m pytest

#: lint with ruff, and the apps' layers contract (.importlinter)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

#: format with ruff
fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

#: run the benchmarks on PostgreSQL and Redis on loopback (see docs/benchmarks.md)
bench: install
	$(PY) -m bench

#: what CI runs: the tests on the embedded defaults, then on PostgreSQL + Redis
ci:
	bash .ci/run

.PHONY: help install demo test lint fmt bench ci
