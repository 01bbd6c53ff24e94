"""What keeps the browser side safe: response headers (a strict Content-Security-Policy with a nonce
per response, no framing, no sniffing, no caching of signed-in pages, HSTS in production)."""
