"""A saved plan against a fresh one: what was reviewed against what apply would do now.

A saved plan is applied only when a plan made again, from the same configuration and the
registries as they are now, has exactly its changes (every field of every change), its guards
and its registry identities (provider, account, region, endpoint). :func:`plan_differences`
names every difference, by registry, as ``<what>: saved <value> vs now <value>``; an empty result
means the saved plan is what apply would do. A registry whose state is a local directory (the
ECR sandbox's) made on another directory is named first, in one line (:func:`moved_state`):
every other difference follows from it.

What a reviewer read is compared too, though apply does not act on it: a change's lifecycle
preview (its counts, the images it names and the registry's words), when the saved plan shows one,
must be the one a plan made now shows, and so must its notes. The image count of a delete or
replace may shrink (lifecycle expired images) but not grow: images pushed since the plan are not
deleted with it (and its notes, which name the count, are then not compared).

The plan's warnings are compared as well, by their words (:mod:`regform.plan.warnings`): those
that follow from the configuration and the registries' listing must be the ones a plan made now
says; those made from image reads (a failed preview, images not counted, a delete that fails
for the images held) or about the environment (a credential variable not set) are not
repeatable and are not compared.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from regform import errors
from regform.plan import Change, Plan, PreviewWords
from regform.plan.warnings import comparable, repeatable
from regform.providers.base import STATE_DIR

#: change keys not compared as fields (previews, notes and image counts apart).
NOT_COMPARED = frozenset({"notes", "preview", "image_count", "address", "destructive"})
#: characters of a value shown in a difference.
EXCERPT = 60
#: characters of a directory named.
PATH_CHARS = 200
#: differences named per registry before "... and N more".
MAX_LINES = 20
ABSENT = object()
#: the key of :func:`plan_differences` under which the plan's warnings differ.
WARNINGS = ""

Key = tuple[str, str, str]


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A value as one short line (JSON, cut at ``limit`` characters)."""
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _comparable(change: Change) -> dict[str, Any]:
    d = {k: v for k, v in change.to_dict().items() if k not in NOT_COMPARED}
    d["fields"] = {f["path"]: {k: v for k, v in f.items() if k != "path"} for f in d["fields"]}
    before = d.get("before")
    if isinstance(before, dict) and isinstance(before.get("info"), dict):
        info = {k: v for k, v in before["info"].items() if k != "image_count"}
        d["before"] = {**before, "info": info}
    return d


def _leaves(path: str, saved: Any, now: Any) -> Iterator[tuple[str, Any, Any]]:
    """(path, saved, now) of every differing leaf of two JSON values."""
    if saved == now:
        return
    if isinstance(saved, dict) and isinstance(now, dict):
        for key in sorted(saved.keys() | now.keys(), key=str):
            sub = f"{path}.{key}" if path else str(key)
            yield from _leaves(sub, saved.get(key, ABSENT), now.get(key, ABSENT))
        return
    if isinstance(saved, list) and isinstance(now, list) and len(saved) == len(now):
        for i, (a, b) in enumerate(zip(saved, now, strict=True)):
            yield from _leaves(f"{path}[{i}]", a, b)
        return
    yield path, saved, now


def _key(change: Change) -> Key:
    return (change.registry, change.kind, change.name)


def _index(plan: Plan, lines: dict[str, list[str]]) -> dict[Key, Change]:
    out: dict[Key, Change] = {}
    for change in plan.changes:
        if _key(change) in out:
            lines.setdefault(change.registry, []).append(
                f"{change.address}: listed more than once in the saved plan"
            )
        out[_key(change)] = change
    return out


def _image_count(saved: Change, now: Change) -> str | None:
    if now.image_count is None:
        return None
    if saved.image_count is None:
        return f"{saved.address} image count: saved not counted vs now {now.image_count}"
    if now.image_count > saved.image_count:
        return (
            f"{saved.address} image count: saved {saved.image_count} vs now {now.image_count} "
            "(images were pushed since the plan was made)"
        )
    return None


def _shown(saved: Change, now: Change) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the reviewer read of a change besides its fields: its preview (when the saved plan
    shows one) and its notes (while the image count they name is the same)."""
    was: dict[str, Any] = {}
    found: dict[str, Any] = {}
    if saved.preview is not None:
        was["preview"] = saved.preview.to_dict()
        found["preview"] = now.preview.to_dict() if now.preview is not None else ABSENT
    if saved.image_count == now.image_count:
        was["notes"], found["notes"] = list(saved.notes), list(now.notes)
    return was, found


def _change_lines(saved: Change | None, now: Change | None) -> list[str]:
    if saved is None and now is not None:
        return [f"{now.address}: saved no change vs now {now.action.value}"]
    if now is None and saved is not None:
        return [f"{saved.address}: saved {saved.action.value} vs now no change"]
    assert saved is not None and now is not None
    lines = [
        f"{saved.address} {path}: saved {excerpt(a)} vs now {excerpt(b)}"
        for path, a, b in [
            *_leaves("", _comparable(saved), _comparable(now)),
            *_leaves("", *_shown(saved, now)),
        ]
    ]
    grown = _image_count(saved, now)
    return [*lines, grown] if grown else lines


def _identity_lines(name: str, saved: Plan, fresh: Plan) -> list[str]:
    was = saved.identities.get(name)
    now = fresh.identities.get(name, {})
    if was is None:
        return [f"registry {name} identity: saved none recorded vs now {excerpt(dict(now))}"]
    return [
        f"registry {name} {key}: saved {excerpt(was.get(key, ABSENT))} vs now "
        f"{excerpt(now.get(key, ABSENT))}"
        for key in sorted(was.keys() | now.keys())
        if was.get(key) != now.get(key)
    ]


def moved_state(saved: Plan, identities: Mapping[str, Mapping[str, str]]) -> list[str]:
    """One line for each registry whose state is a local directory (the ECR sandbox's) other
    than the one the saved plan was made against: every other difference follows from it."""
    lines = []
    for name in sorted(identities):
        was = (saved.identities.get(name) or {}).get(STATE_DIR)
        now = identities[name].get(STATE_DIR)
        if was is not None and now is not None and was != now:
            lines.append(
                f"registry {name}: the plan was made against the sandbox state in "
                f"{errors.excerpt(was, PATH_CHARS)}, this apply uses "
                f"{errors.excerpt(now, PATH_CHARS)}"
            )
    return lines


def _guard_lines(name: str, saved: Plan, fresh: Plan) -> list[str]:
    def guards(plan: Plan) -> set[tuple[str, str]]:
        return {(g.flag, g.message) for g in plan.guards if g.registry == name}

    was, now = guards(saved), guards(fresh)
    return [
        f"guard {flag} ({message}): saved {'present' if (flag, message) in was else 'absent'} "
        f"vs now {'present' if (flag, message) in now else 'absent'}"
        for flag, message in sorted(was ^ now)
    ]


def _unmanaged_lines(name: str, saved: Plan, fresh: Plan) -> list[str]:
    def inside(plan: Plan) -> dict[str, str]:
        return {u.name: u.reason for u in plan.unmanaged if u.registry == name and u.in_scope}

    was, now = inside(saved), inside(fresh)
    return [
        f"{name}/{repo} unmanaged in scope: saved {excerpt(was.get(repo, ABSENT))} vs now "
        f"{excerpt(now.get(repo, ABSENT))}"
        for repo in sorted(was.keys() | now.keys())
        if was.get(repo, ABSENT) != now.get(repo, ABSENT)
    ]


def _words_lines(name: str, saved: Plan, words: PreviewWords | None) -> list[str]:
    """Previews of unchanged repositories in other words than the registry's."""
    if words is None:
        return []
    return [
        f"{p.address} preview words: saved {excerpt(p.preview.words.to_dict())} vs now "
        f"{excerpt(words.to_dict())}"
        for p in saved.lifecycle_previews
        if p.registry == name and p.preview.words != words
    ]


def _warning_lines(saved: Plan, fresh: Plan) -> list[str]:
    """The repeatable warnings one plan says more often than the other."""

    def said(plan: Plan) -> Counter[str]:
        return Counter(comparable(w) for w in plan.warnings if repeatable(w))

    was, now = said(saved), said(fresh)
    said_now = {"present": "absent", "absent": "present"}
    lines = []
    for text in sorted((was - now) + (now - was)):
        before = "absent" if was[text] < now[text] else "present"
        lines.append(
            f"warning {excerpt(text, 2 * EXCERPT)}: saved {before} vs now {said_now[before]}"
        )
    return lines


def plan_differences(
    saved: Plan, fresh: Plan, words: Mapping[str, PreviewWords] | None = None
) -> dict[str, list[str]]:
    """Registry name -> every difference between the saved plan and the fresh one (empty
    when the saved plan is exactly what apply would do now; the plan's warnings differ under
    :data:`WARNINGS`). ``words``: each registry's preview
    words, which the previews of repositories the plan does not change must speak."""
    lines: dict[str, list[str]] = {}
    was, now = _index(saved, lines), _index(fresh, {})
    for key in sorted(was.keys() | now.keys()):
        found = _change_lines(was.get(key), now.get(key))
        if found:
            lines.setdefault(key[0], []).extend(found)
    for name in sorted(saved.registries.keys() | fresh.registries.keys()):
        for more in (
            _identity_lines(name, saved, fresh),
            _guard_lines(name, saved, fresh),
            _unmanaged_lines(name, saved, fresh),
            _words_lines(name, saved, (words or {}).get(name)),
        ):
            if more:
                lines.setdefault(name, []).extend(more)
    warned = _warning_lines(saved, fresh)
    if warned:
        lines[WARNINGS] = warned
    return {name: lines[name] for name in sorted(lines)}


def describe(differences: Mapping[str, list[str]], limit: int = MAX_LINES) -> str:
    """The differences as indented lines, at most ``limit`` per registry."""
    out: list[str] = []
    for lines in differences.values():
        out.extend(f"  {line}" for line in lines[:limit])
        if len(lines) > limit:
            out.append(f"  ... and {len(lines) - limit} more differences")
    return "\n".join(out)


def changed_files(saved: Mapping[str, str], now: Mapping[str, str]) -> str:
    """`` (changed: a.yaml; new: b.yaml; no longer read: c.yaml)``, naming the config files
    whose bytes differ from those a saved plan recorded; empty when it recorded none (a plan
    before format 1.5, or a config built in code). A file named another way at apply
    (``./conf/a.yaml`` for ``conf/a.yaml``) is the same file: unchanged when its bytes are,
    ``changed`` when they are not."""
    if not saved:
        return ""
    changed = [n for n in saved if n in now and now[n] != saved[n]]
    new = [n for n in now if n not in saved]
    gone = [n for n in saved if n not in now]
    for name in list(new):
        twin = _same_file(name, now[name], gone, saved)
        if twin is not None:
            new.remove(name)
            gone.remove(twin)
            if saved[twin] != now[name]:
                changed.append(name)
    parts = [
        (label, [errors.excerpt(n) if not n.isprintable() else n for n in names])
        for label, names in (("changed", changed), ("new", new), ("no longer read", gone))
        if names
    ]
    if not parts:
        return " (no file changed: a value read from the environment, or regform's version, did)"
    return " (" + "; ".join(f"{label}: {', '.join(names)}" for label, names in parts) + ")"


def _same_file(name: str, checksum: str, gone: list[str], saved: Mapping[str, str]) -> str | None:
    """The recorded name among ``gone`` that ``name`` spells another way: the same normalized
    path, else the only one with the same bytes, else the only one with the same file name."""
    norm = os.path.normpath(name)
    for rule in (
        lambda g: os.path.normpath(g) == norm,
        lambda g: saved[g] == checksum,
        lambda g: os.path.basename(g) == os.path.basename(name),
    ):
        found = [g for g in gone if rule(g)]
        if len(found) == 1:
            return found[0]
    return None
