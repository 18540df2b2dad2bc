# Two commands do everything on a fresh machine:
#   make run    set up .venv, then the whole loop on most of the bundled docs, offline:
#               generate, moderate, fine-tune, evaluate (reports under out/)
#   make test   set up .venv, then run the test suite
VENV := .venv
STAMP := $(VENV)/.pairsmith-installed
OUT ?= out
# the teacher takes ~7 s a section on 2 cores: 49 of the 84 bundled sections (the FAQ, the moderation guide, install,
# configuration, the README, the CLI page, the notebook, the API module), so 13 pairs of whole documents are held out
DOCS ?= examples/docs/faq examples/docs/guide examples/docs/install.md examples/docs/configuration.md \
	examples/docs/README.md examples/docs/cli.html examples/docs/quickstart.ipynb examples/docs/api.py

.PHONY: setup run test test-slow test-llamacpp test-ray bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

run: setup
	$(VENV)/bin/pairsmith run $(DOCS) --out $(OUT)

test: setup
	$(VENV)/bin/python -m pytest

# End-to-end checks with the real offline default models (minutes on a CPU); CI runs them.
test-slow: setup
	$(VENV)/bin/python -m pytest -m slow

# Against the real llama.cpp server serving the offline GGUF; CI runs it. llama-cpp-python
# compiles for ~8 minutes the first time, so it is installed here only, when not importable.
LLAMACPP_SPEC ?= llama-cpp-python[server]==0.3.36
test-llamacpp: setup
	$(VENV)/bin/python -c "import llama_cpp.server" 2>/dev/null || \
		$(VENV)/bin/python -m pip --disable-pip-version-check -q install "$(LLAMACPP_SPEC)"
	$(VENV)/bin/python -c "import llama_cpp.server"
	$(VENV)/bin/python -m pytest -m llamacpp

# The Ray engine on a local Ray cluster, against the local engine; CI runs it. Ray comes from
# the package registry (pairsmith[ray]) and is installed here only, when not importable.
test-ray: setup
	$(VENV)/bin/python -c "import ray.data" 2>/dev/null || \
		$(VENV)/bin/python -m pip --disable-pip-version-check -q install "ray[data]>=2.40"
	$(VENV)/bin/python -m pytest -m ray

bench: setup
	$(VENV)/bin/python bench/openai_concurrency.py
	$(VENV)/bin/python bench/local_throughput.py
	$(VENV)/bin/python bench/local_grounding.py
	$(VENV)/bin/python bench/pair_quality.py
	$(VENV)/bin/python bench/answer_first_speed.py
	$(VENV)/bin/python bench/relevance_swapped.py
	$(VENV)/bin/python bench/dedupe_vs_alpaca.py
	$(VENV)/bin/python bench/moderate_scale.py
	$(VENV)/bin/python bench/adafactor_step.py
	$(VENV)/bin/python bench/train_throughput.py
	$(VENV)/bin/python bench/eval_throughput.py
	$(VENV)/bin/python bench/review_scale.py
	$(VENV)/bin/python bench/lamini_finetune.py

clean:
	rm -rf $(OUT) .pytest_cache
