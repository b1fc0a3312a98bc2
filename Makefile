# The two commands: `make run` serves a demo on http://127.0.0.1:8000, `make test` runs everything.
# `make test-fast` is the inner loop: lint and the tests without a browser, on SQLite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# The demo's port: `make run PORT=8001` when 8000 is taken.
PORT ?= 8000
DEV_SECRET := instance/secret_key
DEV_MATCHING_KEY := instance/matching_key
DEV_AUDIT_KEY := instance/audit_key
DEV_DELIVERY_KEY := instance/delivery_key
DEV_SUBSCRIBER_KEY := instance/subscriber_key
DEV_DISPATCH_PUBLIC := instance/dispatch_public_key
DEV_DISPATCH_PRIVATE := instance/dispatch_private_key
DEV_ENV := UGLY_MUGS_SECRET_KEY_FILE=$(DEV_SECRET) UGLY_MUGS_MATCHING_KEY_FILE=$(DEV_MATCHING_KEY) \
	UGLY_MUGS_AUDIT_KEY_FILE=$(DEV_AUDIT_KEY) UGLY_MUGS_DELIVERY_KEY_FILE=$(DEV_DELIVERY_KEY) \
	UGLY_MUGS_SUBSCRIBER_KEY_FILE=$(DEV_SUBSCRIBER_KEY) UGLY_MUGS_DISPATCH_PUBLIC_KEY_FILE=$(DEV_DISPATCH_PUBLIC) \
	UGLY_MUGS_DISPATCH_PRIVATE_KEY_FILE=$(DEV_DISPATCH_PRIVATE)

.PHONY: run test test-fast test-sqlite test-postgres lint format bench install install-dev browser kannel pgbouncer deploy-tools axe translations postgres clean fonts pdf-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# A per-machine development secret, made once; production supplies its own (see docs/operating.md).
$(DEV_SECRET):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

# The development key of the blind indexes (phone numbers, plates …), made once the same way.
$(DEV_MATCHING_KEY):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

# The development key that authenticates the audit log, made once the same way.
$(DEV_AUDIT_KEY):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

# The development key that seals the webhooks' signing secrets, made once the same way.
$(DEV_DELIVERY_KEY):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

# The development key of the subscribers' blind index, made once the same way.
$(DEV_SUBSCRIBER_KEY):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

# The development dispatch key pair (subscribers' numbers are sealed to it): the public half for the
# web app, the private half for the worker; production keeps the private half on the worker's host only.
$(DEV_DISPATCH_PRIVATE):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "from ugly_mugs.crypto import sealing; p = sealing.generate_key_pair(); \
		open('$(DEV_DISPATCH_PUBLIC)', 'w').write(p.public.hex() + '\\n'); print(p.private.hex())" > $@

# Debian's DejaVu Sans, the font of every PDF (ugly_mugs/pdf: Cyrillic, ș, ț and ł).
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-dejavu-core)

# Debian's poppler-utils: pdftotext reads the PDFs back in the tests, to see the text came out.
pdf-tools:
	@command -v pdftotext >/dev/null || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils)

# The web server, the alert worker and a mail sink writing to instance/mail/, stopped together by Ctrl-C.
run: install fonts $(DEV_SECRET) $(DEV_MATCHING_KEY) $(DEV_AUDIT_KEY) $(DEV_DELIVERY_KEY) $(DEV_SUBSCRIBER_KEY) $(DEV_DISPATCH_PRIVATE)
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi demo seed --if-new
	$(DEV_ENV) exec $(BIN)/flask --app wsgi demo serve --port $(PORT)

# Debian's Chromium for the browser tests, and oathtool as an independent TOTP implementation.
browser:
	@command -v chromium >/dev/null && command -v oathtool >/dev/null || \
		(apt-get update -q && apt-get install -y -q chromium oathtool)

# Debian's Kannel for the SMS tests: bearerbox and smsbox, and (in kannel-extras) fakesmsc, the fake phone network.
kannel:
	@test -x /usr/sbin/bearerbox && test -x /usr/sbin/smsbox && test -x /usr/lib/kannel/test/fakesmsc || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kannel kannel-extras)

# Debian's PgBouncer for the pooler tests (transaction pooling in front of the test PostgreSQL).
pgbouncer:
	@test -x /usr/sbin/pgbouncer || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer)

# Debian's nginx, to check the deploy kit's proxy configuration with `nginx -t` (not started).
deploy-tools:
	@test -x /usr/sbin/nginx || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx)

# axe-core for the accessibility tests, exactly the version locked in tests/e2e/package-lock.json.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q npm)
	npm ci --prefix tests/e2e --no-audit --no-fund
	touch $@
axe: $(AXE)

# After changing a message in the code or a template: re-extract, merge into each language's
# .po file (then translate what is new or marked fuzzy) and compile the .mo files, which are committed.
CATALOGS := ugly_mugs/translations
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
		--project "Ugly Mugs" --copyright-holder "the Ugly Mugs contributors" -o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d $(CATALOGS) --statistics

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs in PYTEST_WORKERS processes (pytest-xdist), each test going to whichever is free;
# on PostgreSQL each process has a database of its own (test_gw0, test_gw1, ...).
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist worksteal

test-sqlite: install-dev browser kannel pgbouncer deploy-tools axe fonts pdf-tools
	$(BIN)/pytest $(PYTEST_PARALLEL)

test-postgres: install-dev browser kannel pgbouncer deploy-tools axe fonts pdf-tools postgres
	UGLY_MUGS_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_PARALLEL)

test: lint test-sqlite test-postgres

# No browser, no PostgreSQL: lint, then tests/unit and tests/integration on SQLite.
test-fast: lint fonts pdf-tools
	env -u UGLY_MUGS_TEST_DATABASE_URL $(BIN)/pytest -q --ignore=tests/e2e

bench: install-dev postgres
	$(BIN)/python -m bench.submit

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
