"""Active flags with their review state (acknowledged, snoozed, resolved): reviews are app state,
read fresh, not cached. The caseload and flags pages both show them.
"""

from __future__ import annotations

import pandas as pd

from pipelines.appstate.flag_reviews import review_state, reviews_for
from ui.filters import PageContext
from ui.runtime import get_runtime

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


CLOSED_STATES = ("snoozed", "resolved")


def flags_with_reviews(ctx: PageContext, flags: pd.DataFrame, momentum: pd.DataFrame) -> pd.DataFrame:
    """The active flags of the scope with their review state (reviews are app state, not cached)."""
    reviews = reviews_for(get_runtime().state, flags["client_id"])
    return review_state(flags, reviews, momentum, ctx.as_of)
