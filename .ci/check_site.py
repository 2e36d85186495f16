"""Fail unless the built book works from a plain static file server with no internet: every page
is served, every internal link and anchor resolves, and no page loads a script, stylesheet, font
or image from another host (equations, figures and tables must render offline).

Usage: python .ci/check_site.py [HTML_DIR]   (default: book/_build/html)
It serves HTML_DIR with Python's http.server on 127.0.0.1 and fetches every page from there.
"""
import functools
import http.server
import re
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
LOADED = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src")}


class Page(HTMLParser):
    """The links, loaded resources and element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.loaded, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for t, attr in LOADED:
            if tag == t and attrs.get(attr):
                rel = attrs.get("rel", "")
                if tag == "link" and not any(r in rel for r in ("stylesheet", "preload", "icon", "modulepreload")):
                    continue
                self.loaded.append(attrs[attr])


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one summary line instead of a line per request
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def check(folder: Path) -> list[str]:
    server, base = serve(folder)
    problems, parsed, status = [], {}, {}
    try:
        pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                       if not p.relative_to(folder).parts[0].startswith(("_sources", "_static")))
        for rel in pages:
            code, body = fetch(base + rel)
            if code != 200:
                problems.append(f"{rel}: served with HTTP {code}")
                continue
            page = Page()
            page.feed(body.decode("utf-8", "replace"))
            parsed[base + rel] = page
        for url, page in parsed.items():
            rel = url[len(base):]
            for src in page.loaded:
                target = urlparse(urljoin(url, src))
                if target.scheme in ("http", "https") and target.netloc != urlparse(base).netloc:
                    problems.append(f"{rel}: loads {src} from another host (does not work offline)")
            for href in page.links:
                target = urljoin(url, href)
                if urlparse(target).scheme not in ("http", "https") or not target.startswith(base):
                    continue  # mailto:, links to other sites: not part of the book
                doc, anchor = urldefrag(target)
                if doc not in status:
                    status[doc] = fetch(doc)[0] if doc not in parsed else 200
                if status[doc] != 200:
                    problems.append(f"{rel}: broken link {href} (HTTP {status[doc]})")
                elif anchor and doc in parsed and unquote(anchor) not in parsed[doc].ids:
                    problems.append(f"{rel}: link {href} names an anchor its page does not have")
    finally:
        server.shutdown()
    print(f"site check: {len(parsed)} pages served from {folder}, "
          f"{sum(len(p.links) for p in parsed.values())} links, {len(problems)} problems")
    return problems


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "book" / "_build" / "html"
    if not (folder / "index.html").exists():
        print(f"site check failed: {folder} holds no built book (index.html); build it first", file=sys.stderr)
        return 1
    problems = check(folder)
    for p in sorted(set(problems)):
        print("site check failed:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
