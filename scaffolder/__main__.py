"""``python -m scaffolder``."""

from scaffolder.entry import main

main()
