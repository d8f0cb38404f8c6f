# The two commands: `make run` (set up, then serve the demo) and `make test` (the whole suite).
.PHONY: run test setup bench lint fmt messages clean

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

bench:
	@bash scripts/bench.sh $(ONLY)

lint:
	@bash scripts/setup.sh --dev >/dev/null
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/cashloop makemigrations --check --dry-run

fmt:
	@bash scripts/setup.sh --dev >/dev/null
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

messages:
	@bash scripts/setup.sh --dev >/dev/null
	cd cashloop && ../.venv/bin/cashloop makemessages -l zh_Hans --no-obsolete --no-location
	cd cashloop && ../.venv/bin/cashloop compilemessages -l zh_Hans

clean:
	rm -rf .venv node_modules var cashloop/web/static/vendor
