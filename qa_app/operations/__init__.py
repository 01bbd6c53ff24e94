"""Running the service: database roles, backups and restores (command line only, no pages)."""
