"""The clinical models: named SQL composed and bound (``compose``), materialised per data version
(``marts``), declared once and read within a user's scope (``queries``), and printed as the
``python -m pipelines report`` kinds (``reports``)."""
