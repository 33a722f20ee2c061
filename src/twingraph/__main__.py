"""``python -m twingraph`` runs the command line."""

from twingraph.cli import main

main()
