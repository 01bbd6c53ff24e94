"""The exact browser headers every response must carry (qa_app.security.headers), checked here and
on every response of the access matrix."""

import re
from html.parser import HTMLParser

NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'")
CACHEABLE_PATHS = ("/static/", "/assets/")


def expected_csp(nonce: str) -> str:
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def check_headers(response, path: str, *, production: bool = False) -> str:
    """Assert the headers of one response; return its CSP nonce."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    match = NONCE.search(csp)
    assert match, f"{path}: no nonce in the CSP {csp!r}"
    nonce = match.group(1)
    assert csp == expected_csp(nonce), path
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") == "same-origin", path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", path
    if path.startswith(CACHEABLE_PATHS):
        assert headers.get("Cache-Control") != "no-store", path
    else:
        assert headers.get("Cache-Control") == "no-store", f"{path}: {headers.get('Cache-Control')!r}"
    if production:
        assert headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", path
    else:
        assert "Strict-Transport-Security" not in headers, path
    return nonce


class _Inline(HTMLParser):
    """Every <script> and <style> element, and every style= or on…= attribute."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.problems.append("a <style> element")
        for name, _value in attrs:
            if name == "style":
                self.problems.append(f"a style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"an {name} handler on <{tag}>")
            if name in ("href", "src", "action") and (_value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: URL on <{tag}>")


def check_page_markup(html: str, nonce: str, path: str) -> int:
    """Every <script> carries this response's nonce; no inline style or event handler anywhere.
    Returns the number of scripts."""
    parser = _Inline()
    parser.feed(html)
    assert not parser.problems, f"{path}: {parser.problems}"
    for script in parser.scripts:
        assert script.get("nonce") == nonce, f"{path}: a <script> without this response's nonce: {script}"
    return len(parser.scripts)
