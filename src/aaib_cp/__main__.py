"""``python -m aaib_cp`` runs the ``aaib`` command line."""

from aaib_cp.cli import main

main()
