"""A user's scope: the clinician_ids whose clients and workload they may see.

Every clinical read takes one (pipelines/models/queries.py); there is no way to
call a model without it. Which clinician_ids a user gets is decided by the
imported staff list (``scope_clinicians.sql``, design §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    """The clinician_ids a user may see. Hashable, so cached results key on it.

    There is no "everything" scope: a manager's scope lists every clinician.
    """

    clinician_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.clinician_ids, tuple):
            raise TypeError("Scope.clinician_ids must be a tuple of clinician_id strings")
        object.__setattr__(self, "clinician_ids", tuple(sorted(set(self.clinician_ids))))

    @classmethod
    def of(cls, ids: Any) -> Scope:
        return cls(tuple(str(i) for i in ids))
