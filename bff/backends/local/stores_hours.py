"""Which of many stores are open at one instant, vectorised: the ``openNow`` filter of a nearest search.

Every store's weekly periods sit in two arrays (store x weekday x period: opening and closing minute, -1 for
none). A search converts the instant to each time zone among its candidates once, then checks today's
periods and last night's midnight-spanning ones for all candidates at once. Stores with a holiday exception
on the local date (or the day before) are checked one by one with ``is_open_locally``, as are the rest of
the rules' edge cases, so the answer is always the domain's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from bff.domain.stores import DAY_MINUTES, Store, is_open_locally


class OpeningTable:
    def __init__(self, stores: Sequence[Store]) -> None:
        self.stores = stores
        self.zones = sorted({s.timezone for s in stores})
        zone_index = {z: i for i, z in enumerate(self.zones)}
        self.zone_of = np.fromiter((zone_index[s.timezone] for s in stores), dtype=np.int32, count=len(stores))
        width = max([1, *(len(day) for s in stores for day in s.hours)])
        self.opens = np.full((len(stores), 7, width), -1, dtype=np.int16)
        self.closes = np.full((len(stores), 7, width), -1, dtype=np.int16)
        self.exceptions: dict[date, list[int]] = defaultdict(list)
        for i, store in enumerate(stores):
            for day, periods in enumerate(store.hours):
                for k, period in enumerate(periods):
                    self.opens[i, day, k] = period.opens
                    self.closes[i, day, k] = period.closes
            for exception_day in store.exceptions:
                self.exceptions[exception_day].append(i)

    def open_mask(self, positions: NDArray[np.int64], at: datetime) -> NDArray[np.bool_]:
        """Whether each store of ``positions`` is open at the instant ``at``."""
        if not len(positions):
            return np.zeros(0, dtype=bool)
        zones = self.zone_of[positions]
        used = np.unique(zones)
        weekday = np.zeros(len(self.zones), dtype=np.int16)
        minute = np.zeros(len(self.zones), dtype=np.int16)
        local_dates: dict[int, date] = {}
        for zone in used.tolist():
            local = at.astimezone(ZoneInfo(self.zones[zone]))
            weekday[zone], minute[zone] = local.weekday(), local.hour * 60 + local.minute
            local_dates[zone] = local.date()
        day, now = weekday[zones], minute[zones][:, None]
        opens, closes = self.opens[positions, day], self.closes[positions, day]
        spans = (opens >= 0) & (closes <= opens)
        today = (opens >= 0) & (opens <= now) & (now < np.where(spans, DAY_MINUTES, closes))
        before = (day - 1) % 7
        opens, closes = self.opens[positions, before], self.closes[positions, before]
        last_night = (opens >= 0) & (closes <= opens) & (now < closes)
        mask: NDArray[np.bool_] = np.asarray(today.any(axis=1) | last_night.any(axis=1), dtype=bool)
        # Holiday exceptions on the local date or the day before: the domain's own check.
        dates = set(local_dates.values())
        special = {i for d in dates for e in (d, d - timedelta(days=1)) for i in self.exceptions.get(e, ())}
        if special:
            for k in np.flatnonzero(np.isin(positions, list(special))).tolist():
                store = self.stores[int(positions[k])]
                mask[k] = is_open_locally(store, at.astimezone(ZoneInfo(store.timezone)))
        return mask
