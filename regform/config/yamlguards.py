"""Limits on what one YAML document may make regform do: how many values its aliases expand to
and how deep it nests. Each is checked before the document is converted, and each problem is
reported with its place instead of exhausting memory or the stack."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

#: values produced after alias expansion (a 500-repository config has a few thousand)
MAX_NODES = 1_000_000
#: alias dereferences while expanding
MAX_ALIASES = 10_000
MAX_DEPTH = 64

BOMB = f"the document expands to more than {MAX_NODES:,} values (alias bomb?)"


class Abort(Exception):
    """A document regform will not read further, with the node where it gave up."""

    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


def expanded_size(node: Node, memo: dict[int, int], active: set[int], depth: int = 0) -> int:
    """How many values ``node`` stands for once every alias is expanded (capped past the limit)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise Abort("recursive alias: a node contains itself", node)
    if depth > MAX_DEPTH:
        raise Abort(f"nesting deeper than {MAX_DEPTH} levels", node)
    size = 1
    if isinstance(node, SequenceNode | MappingNode):
        active.add(key)
        children = (
            node.value if isinstance(node, SequenceNode) else [n for kv in node.value for n in kv]
        )
        for child in children:
            size += expanded_size(child, memo, active, depth + 1)
            if size > MAX_NODES:
                raise Abort(BOMB, child)
        active.discard(key)
    memo[key] = size
    return size


_OPEN = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)
_OPEN_BLOCK = (yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def too_deep(text: str, loader: Any) -> tuple[int, int] | None:
    """Line and column where ``text`` nests deeper than the limit, read token by token (the
    scanner does not recurse, so this works where composing the document could not)."""
    depth = 0
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, _OPEN + _OPEN_BLOCK):
                depth += 1
                if depth > MAX_DEPTH:
                    return token.start_mark.line + 1, token.start_mark.column + 1
            elif isinstance(token, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None
