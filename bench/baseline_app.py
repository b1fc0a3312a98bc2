"""The benchmark's yardstick: a minimal Flask + SQLAlchemy app that stores a report body as it came.

It answers ``POST /api/v1/reports`` with the same JSON body as the real API, checks only that
the body is a JSON object, and inserts the request bytes unencrypted into one table. It is the
cost of "a web request that writes one row" on this machine, against which the real app's
validation, encryption and key sealing are measured. It is a benchmark baseline, never the
product: it stores plaintext, which the product must never do.

The engine comes from ``ugly_mugs.db.make_engine`` so that both apps talk to the database with
the same settings (SQLite WAL and busy timeout, PostgreSQL pool pre-ping); the difference
measured is then the application's work, not the connection setup.

Served by ``gunicorn -c config/gunicorn.conf.py bench.baseline_app:app`` with the database in
``BENCH_BASELINE_DATABASE_URL``; ``create_schema(url)`` makes its table beforehand.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import DateTime, Engine, LargeBinary, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ugly_mugs.db import make_engine

URL_VARIABLE = "BENCH_BASELINE_DATABASE_URL"


class Base(DeclarativeBase):
    pass


class BaselineReport(Base):
    __tablename__ = "bench_baseline_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[bytes] = mapped_column(LargeBinary)


def create_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def create_app(engine: Engine) -> Flask:
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        with Session(engine) as session:
            session.execute(select(1))
        return jsonify({"status": "ok"})

    @app.post("/api/v1/reports")
    def submit_report():
        if not request.is_json:
            return jsonify({"error": "Send the request body as application/json."}), 415
        raw = request.get_data()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return jsonify({"error": "The body must be a JSON object."}), 400
        with Session(engine) as session:
            report = BaselineReport(received_at=datetime.now(UTC), body=raw)
            session.add(report)
            session.flush()
            reference = report.id
            session.commit()
        return jsonify({"reference": reference, "status": "received"}), 201

    return app


def _app_from_environment() -> Flask | None:
    url = os.environ.get(URL_VARIABLE)
    return create_app(make_engine(url)) if url else None


# gunicorn imports ``bench.baseline_app:app``; plain imports (the harness) get None.
app = _app_from_environment()
