"""A throwaway static site on loopback, for the controls of the browser audits: pages built to
fail a check, so that a check that passes on PeaceMap's pages is known to be able to fail."""

import contextlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


def heavy_page():
    """A page whose head loads a style sheet and a script that block rendering, and 30 images."""
    images = "".join(f'<img src="i{n}.svg" alt="">' for n in range(30))
    files = {f"i{n}.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>' for n in range(30)}
    files["style.css"] = "body { color: #222 }\n" * 2000
    files["script.js"] = "var x = 1;\n" * 4000
    files["index.html"] = (
        '<!doctype html><html lang="en"><head><title>Heavy</title>'
        '<link rel="stylesheet" href="style.css"><script src="script.js"></script>'
        f"</head><body><p>Heavy</p>{images}</body></html>"
    )
    return files


@contextlib.contextmanager
def static_site(tmp_path, files):
    """Serves `files` ({name: text}) and yields the address of index.html."""
    root = tmp_path / "site"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
