"""``python -m scaffolder``."""

from scaffolder.cli import main

main()
