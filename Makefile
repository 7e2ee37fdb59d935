# Two commands for a fresh Debian machine: `make demo` and `make test`.
# Everything they need (Debian packages, a virtual environment, Python
# packages) is installed here when missing; nothing is done by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages the product and its tests need: a CJK font for the screens,
# Chromium for the browser tests, venv support for Debian's own Python.
DEBS   := fonts-noto-cjk chromium

# Options for the demo: make demo ARGS="--speed 5 --port 9000" (signage demo --help).
ARGS ?=
# SDL's silent audio driver for the tests and benchmarks only, on their own
# command lines: the demo speaks through the sound card, or writes WAVs.
QUIET  := SDL_AUDIODRIVER=dummy

.PHONY: demo test setup debs bench soak clean

demo: setup
	$(BIN)/signage demo $(ARGS)

test: setup
	SDL_VIDEODRIVER=dummy $(QUIET) $(BIN)/python -m pytest -q

# Every benchmark in turn (figures, never pass/fail); about 5 minutes in all.
BENCHES := engine hub render voice wait
bench: setup
	@for b in $(BENCHES); do echo "== signage bench $$b"; $(QUIET) $(BIN)/signage bench $$b || exit 1; done

# A simulated week with screens and announcers, then crashes and outages (about 8 minutes).
soak: setup
	$(QUIET) $(BIN)/signage bench soak

# Mutation testing of the queue rules (docs/architecture.md, Mutation testing): mutmut
# changes server/queue/rules.py and engine.py one mutant at a time and runs the fast
# engine tests against each ([tool.mutmut] in pyproject.toml); about 35 minutes on two
# cores, stopped at 45 (`.venv/bin/mutmut run --max-children 1` goes on where it stopped).
# Not part of `make test`. Then `.venv/bin/mutmut show NAME` shows a survivor's change.
.PHONY: mutants
MUTSTAMP := $(VENV)/.installed-mutation
mutants: setup $(MUTSTAMP)
	rm -rf mutants
	timeout 45m $(BIN)/mutmut run --max-children 1; status=$$?; $(BIN)/mutmut results; exit $$status

$(MUTSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,mutation]'
	touch $(MUTSTAMP)

setup: debs $(STAMP)

# Install only what is missing, so a prepared machine pays nothing.
debs:
	@missing=""; \
	for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
