"""Benchmarks (``python -m pipelines bench``; not part of the tests): the ingest against DuckDB's
raw load (``ingest``), every model against a full scan (``models``), every page through AppTest
(``pages``), and the scale curve (``figure``). Each measured run is a fresh process (``common``)."""
