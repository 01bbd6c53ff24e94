"""Family and child feedback: what a child, parent or carer says about the work with them, recorded
on an audit or typed in later from the printable form. Nothing is sent to families by the app."""
