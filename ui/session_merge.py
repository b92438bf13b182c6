"""session.json when two browser tabs save it: each keeps the other's changes.

Plain Python (no streamlit). Every browser session holds the workspace's settings in memory
(the open graphs, the active one, the language, the data choice, the Train form's values) and
writes them at each change. Before writing, ``Workspace.save_session`` reads the file and merges,
setting by setting (down to each key of the data choice and each Train form field):

* a setting this session did not change since it last read or wrote the file keeps the file's
  value (another tab's change stays);
* a setting it changed takes its value; where the other tab changed the same setting to something
  else, it is named in the collisions (the page says this tab's choice was saved).

The open graphs merge as lists: a graph one tab opened stays open, one a tab closed goes.
"""
from __future__ import annotations

import copy

MISSING = object()
FIELDS = ("open", "active", "lang", "data", "train")
QUIET = ("open", "active")      # merged without a word: the graph files themselves are never lost


def fields_of(saved: dict) -> dict:
    """The mergeable settings of a session.json, with the active graph by key (the file has an index)."""
    saved = saved if isinstance(saved, dict) else {}
    open_keys = [key for key in saved.get("open", []) if isinstance(key, str)] \
        if isinstance(saved.get("open"), list) else []
    active = saved.get("active")
    active_key = open_keys[active] if isinstance(active, int) and 0 <= active < len(open_keys) else None
    return copy.deepcopy({"open": open_keys, "active": active_key, "lang": saved.get("lang"),
                          "data": saved.get("data"), "train": saved.get("train")})


def file_of(settings: dict, **extra) -> dict:
    """The settings as session.json holds them: ``extra`` (the revision) first, the active graph by index."""
    open_keys = settings.get("open") or []
    active = open_keys.index(settings["active"]) if settings.get("active") in open_keys else 0
    return {**extra, "open": open_keys, "active": active, "lang": settings.get("lang"),
            "data": settings.get("data"), "train": settings.get("train")}


def merge(mine_before: dict, mine_now: dict, disk_before: dict, disk_now: dict) -> tuple[dict, list[str]]:
    """The settings to write, and the top-level ones both tabs changed differently (``QUIET`` aside)."""
    merged, collisions = {}, []
    for name in FIELDS:
        before, now = mine_before.get(name, MISSING), mine_now.get(name, MISSING)
        theirs_before, theirs = disk_before.get(name, MISSING), disk_now.get(name, MISSING)
        clashes: list = []
        if name == "open":
            value = merge_lists(before, now, theirs_before, theirs)
        else:
            value = merge_value(before, now, theirs_before, theirs, clashes)
        if value is not MISSING:
            merged[name] = value
        if clashes and name not in QUIET:
            collisions.append(name)
    return merged, collisions


def merge_value(mine_before, mine_now, disk_before, disk_now, clashes: list):
    if mine_now == mine_before:
        return disk_now                 # this tab left it alone
    if isinstance(mine_now, dict) and isinstance(disk_now, dict):
        # key by key: the file may hold keys this tab never took in (another tab's earlier changes)
        return _merge_dicts(mine_before, mine_now, disk_before, disk_now, clashes)
    if disk_now == disk_before or disk_now == mine_now:
        return mine_now                 # the other tab left it alone, or agrees
    clashes.append(True)
    return mine_now


def _merge_dicts(mine_before, mine_now: dict, disk_before, disk_now: dict, clashes: list) -> dict:
    mine_before = mine_before if isinstance(mine_before, dict) else {}
    disk_before = disk_before if isinstance(disk_before, dict) else {}
    merged = {}
    for key in dict.fromkeys([*disk_now, *mine_now]):
        value = merge_value(mine_before.get(key, MISSING), mine_now.get(key, MISSING),
                            disk_before.get(key, MISSING), disk_now.get(key, MISSING), clashes)
        if value is not MISSING:
            merged[key] = value
    return merged


def merge_lists(mine_before, mine_now, disk_before, disk_now) -> list:
    """This tab's list without what the other closed, then what the other opened and this did not close."""
    mine_before, mine_now, disk_before, disk_now = (value if isinstance(value, list) else []
                                                    for value in (mine_before, mine_now, disk_before, disk_now))
    if mine_now == mine_before:
        return disk_now
    closed_there = set(disk_before) - set(disk_now)
    closed_here = set(mine_before) - set(mine_now)
    kept = [key for key in mine_now if key not in closed_there]
    return kept + [key for key in disk_now if key not in kept and key not in closed_here]
