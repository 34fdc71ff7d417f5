"""Benchmarks: ``python -m bench`` (``make bench``) runs them, prints a table and writes
``bench/results/<name>-<date>.json``; the figures are indexed in ``docs/benchmarks.md``.

A benchmark is a module of this package exposing ``run() -> dict``. The runner calls it in a
child process of its own (each benchmark configures Django as it needs), adds the machine
and the date to the result and writes it. If the dict has a ``"table"`` key (a list of rows,
each a flat dict), those rows are printed; otherwise its flat scalar values are.
"""
