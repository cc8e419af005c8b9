"""One module per page in ``pages/``, named after it: what the page shows, in the order it shows it.
Views never import each other; what two pages share lives one level up, in ``ui/``."""
