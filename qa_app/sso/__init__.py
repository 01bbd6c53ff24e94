"""Single sign-on with the council's identity provider: OpenID Connect, authorization code flow with
PKCE (S256), through Authlib's Flask client. Configured by the OIDC_* settings (docs/security.md)."""
