"""Administration in the browser (the admin role): people (invite, edit roles, team and service
area, deactivate and reactivate, reset two-step verification, end sessions, send a new sign-in
link), teams, and the periodic access review. The `users` commands stay for the first
administrator and for scripts."""
