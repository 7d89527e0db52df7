"""Hand-ins as they arrive: LMS bulk downloads, rosters, and the one identity of each submission."""
from __future__ import annotations

from .discover import Discovery, Identity, NotASubmissionsFolder, Submission, discover, graded_files
from .roster import Roster, RosterEntry, RosterError, read_roster

__all__ = ["Discovery", "Identity", "NotASubmissionsFolder", "Roster", "RosterEntry", "RosterError", "Submission",
           "discover", "graded_files", "read_roster"]
