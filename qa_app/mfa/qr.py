"""The enrolment QR code, drawn on the server as inline SVG (no script, no inline style, no image
request that could leak the secret)."""

import segno
from markupsafe import Markup


def qr_svg(uri: str) -> Markup:
    code = segno.make(uri, error="m")
    return Markup(code.svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", omitsize=True,
                                  svgclass="app-qr-code", title="QR code for your authenticator app"))
