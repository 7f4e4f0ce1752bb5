"""Images referenced by a manifest list (index) are not expired or archived before the index.

ECR: "If an image is referenced by a manifest list, it cannot be expired or archived without the
manifest list being deleted or archived first." A reference counts when the index is among the
images evaluated; it is known from either side (``Image.referenced_by`` on the child or
``Image.references`` on the index). A child may be

* expired only if every index referencing it is expired in the same evaluation;
* archived only if every index referencing it is expired, archived in the same evaluation, or
  already archived.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from regform.lifecycle.document import ARCHIVE, EXPIRE, TRANSITION

if TYPE_CHECKING:
    from regform.lifecycle.ranking import Ranking

_DIGEST = attrgetter("digest")
_REFERENCED_BY = attrgetter("referenced_by")
_REFERENCES = attrgetter("references")

#: position -> (action, rulePriority)
Actions = dict[int, tuple[str, int]]


def protect_referenced(ranking: Ranking, actions: Actions) -> None:
    """Drop from ``actions`` every action on an image a surviving index still references.

    ``actions`` maps positions (see :class:`~regform.lifecycle.ranking.Ranking`) to actions.
    """
    images, image = ranking.images, ranking.image
    linked = ranking.positions_where(map(_REFERENCED_BY, images))
    linked.update(ranking.positions_where(map(_REFERENCES, images)))
    if not linked:
        return
    # Where the digests that take part in a reference are (a digest could be listed twice).
    wanted: set[str] = set()
    for p in linked:
        wanted.update(image(p).referenced_by)
        if image(p).references:
            wanted.add(image(p).digest)
            wanted.update(image(p).references)
    where: dict[str, list[int]] = {}
    for p in sorted(ranking.positions_where(map(wanted.__contains__, map(_DIGEST, images)))):
        where.setdefault(image(p).digest, []).append(p)

    parents: dict[int, set[str]] = {}  # child position -> digests of its indexes in the input
    children: dict[str, set[int]] = {}  # index digest -> child positions
    for p in sorted(linked):
        img = image(p)
        pairs = [(p, d) for d in img.referenced_by if d in where]
        pairs += [(c, img.digest) for d in img.references for c in where.get(d, ())]
        for child, parent in pairs:
            if image(child).digest != parent:
                parents.setdefault(child, set()).add(parent)
                children.setdefault(parent, set()).add(child)

    def releases(parent: str, act: str) -> bool:
        """Whether ``parent`` lets its children be acted on with ``act``."""
        for q in where[parent]:
            parent_act = actions.get(q, ("", 0))[0]
            if parent_act == EXPIRE:
                continue
            if act == TRANSITION and (
                parent_act == TRANSITION or image(q).storage_class == ARCHIVE
            ):
                continue
            return False
        return True

    queue = sorted(p for p in parents if p in actions)
    while queue:
        p = queue.pop()
        current = actions.get(p)
        if current is not None and not all(releases(q, current[0]) for q in parents[p]):
            del actions[p]
            # an index that stays protects its own children again
            queue.extend(children.get(image(p).digest, ()))
