"""Exports for other systems: CSV grades, Gradescope ``results.json``, JUnit XML and the Gradescope zip."""
