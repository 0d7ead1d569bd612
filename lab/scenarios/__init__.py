"""One module per entry; each defines SLUG and run(lab) (see lab.runner)."""
