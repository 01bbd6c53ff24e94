"""Two-step verification for local accounts: a time-based code from an authenticator app (TOTP,
RFC 6238) with single-use recovery codes; required for the roles in MFA_REQUIRED_ROLES."""
