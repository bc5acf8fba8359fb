"""Follow-up over time by områdestyp: panels on one geography (:func:`harmonize`), indicators by type over
time (:func:`follow_up`) and the effect of targeted work (:func:`effect`)."""

from .effect import Effect, effect
from .harmonize import harmonize
from .panel import FollowUp, follow_up

__all__ = ["Effect", "FollowUp", "effect", "follow_up", "harmonize"]
