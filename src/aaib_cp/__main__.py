"""``python -m aaib_cp`` runs the ``aaib`` command line."""

from .cli import main

main()
