"""The signed-in person's own account: their details, changing their password, their sessions (and,
in qa_app.mfa, their two-step verification)."""
