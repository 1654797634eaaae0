"""A bare Flask application for bench/load.py: one route that returns a short text, and the
/healthz the benchmark waits for. It shows what the server and Flask cost on their own."""

from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return "ok"


@app.get("/healthz")
def healthz():
    return "ok"
