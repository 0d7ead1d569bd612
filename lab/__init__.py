"""The reproduction lab: one scenario per entry, run against the real services (lab/README.md)."""
