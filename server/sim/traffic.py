"""The traffic profile, as the server side uses it: the simulator, the demo and the hub's estimator.

The format itself (``layouts/<hall>.traffic.yaml``: arrivals, services,
windows, breaks, no-shows, appointments; its models, its checks and
:func:`load_profile`) is defined in the shared core,
:mod:`signage.config.traffic`, where ``signage validate`` reads it too. This
module names all of it for the server's code, and adds what only the hub
needs: :func:`planned_breaks_beside`.
"""

from __future__ import annotations

from pathlib import Path

from signage.config.model import HallConfig
from signage.config.traffic import (
    PROFILE_FORMAT, Appointments, Arrivals, Break, Breaks, Minutes, NoShow, Offset, PlannedBreak, ProfileError,
    ProfileResult, ServiceTraffic, Share, Speed, TrafficProfile, WindowTraffic, check_profile, load_profile,
    load_profile_text, profile_beside,
)

__all__ = [
    "PROFILE_FORMAT", "Appointments", "Arrivals", "Break", "Breaks", "Minutes", "NoShow", "Offset", "PlannedBreak",
    "ProfileError", "ProfileResult", "ServiceTraffic", "Share", "Speed", "TrafficProfile", "WindowTraffic",
    "check_profile", "load_profile", "load_profile_text", "planned_breaks_beside", "profile_beside",
]


def planned_breaks_beside(hall_path: str | Path, hall: HallConfig) -> list[PlannedBreak]:
    """The break plan of the profile beside a hall file, or ``[]`` if there is none.

    For the hub's estimator: a hall's staff rota is known in advance, and it is
    written in the traffic profile. A profile with errors gives no plan (the
    estimator then learns about breaks only when windows pause).
    """
    path = profile_beside(hall_path)
    if not path.exists():
        return []
    result = load_profile(path, hall)
    return result.profile.planned_breaks() if result.profile is not None else []
