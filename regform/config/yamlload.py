"""Reading one YAML config file safely, keeping the line and column of every key and value.

Guards: files over 5 MiB are refused; alias expansion is bounded (an "alias bomb" is reported, not
expanded); recursive aliases, duplicate keys, tabs, non-UTF-8 bytes and unsupported tags are errors.
Booleans follow YAML 1.2 (only ``true``/``false``; ``yes``/``no``/``on``/``off`` stay strings) and
dates stay strings, so every value is plain JSON data.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from regform.config.envvars import interpolate, refused_message
from regform.config.source import (
    DataPath,
    Mark,
    SourceDoc,
    file_issue,
    format_path,
    pack,
    unpack,
)
from regform.config.yamlguards import BOMB as _BOMB
from regform.config.yamlguards import MAX_ALIASES, MAX_DEPTH, MAX_NODES, too_deep
from regform.config.yamlguards import Abort as _Abort
from regform.config.yamlguards import expanded_size as _expanded_size
from regform.errors import ConfigIssue

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    {_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
    | {"tag:yaml.org,2002:null"}
)
_DROPPED = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"})


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _yaml12(loader: Any) -> None:
    """YAML 1.2 booleans and no implicit timestamps, on a loader class."""
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


class _Loader(yaml.SafeLoader):
    """The pure-Python loader: its error messages are the ones reported."""


_yaml12(_Loader)


class _Start:
    """Where a node starts (all the converter reads of a node's marks)."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class _LeanComposer(yaml.composer.Composer):
    def compose_node(self, parent: Node | None, index: Any) -> Node:
        node: Node | None = super().compose_node(parent, index)
        assert node is not None
        mark = node.start_mark
        if not isinstance(mark, _Start):
            node.start_mark = _Start(mark.line, mark.column)
            node.end_mark = None
        return node


_FastLoader: Any = None
_CParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)
if _CParser is not None:  # the same resolution on libyaml's parser, for speed

    class _CLoader(
        _LeanComposer,
        _CParser,  # type: ignore[misc]  # libyaml's parser has no type information
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """libyaml's parser, composed in Python into nodes that keep only a small start mark:
        libyaml's own composer keeps two full marks per node (a 5 MB config took 250 MB)."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            _LeanComposer.__init__(self)

    _yaml12(_CLoader)
    _FastLoader = _CLoader


def _compose(text: str) -> tuple[Node | None, Any]:
    """Compose with libyaml when present; a document it rejects is re-read by the pure-Python
    parser so that error messages do not depend on how PyYAML was built."""
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            return fast.get_single_node(), fast
        except yaml.YAMLError:
            fast.dispose()
    loader = _Loader(text)
    return loader.get_single_node(), loader


_SURROGATE = "a \\u escape makes an unpaired surrogate (D800-DFFF), which is not text"


def _as_text(text: str) -> str | None:
    """``text`` as valid Unicode: a ``\\ud83d\\ude00`` escape pair (as JSON writes characters
    past U+FFFF) joined into its character; None when a surrogate stays unpaired."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    return joined


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _packed(node: Node) -> int:
    return pack(node.start_mark.line + 1, node.start_mark.column + 1)


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


class _Converter:
    """Turns a composed node tree into plain data, recording marks and problems."""

    def __init__(
        self,
        doc: SourceDoc,
        loader: Any,
        env: Mapping[str, str],
        shared: bool,
        password_vars: Collection[str] = (),
    ) -> None:
        self.doc = doc
        self.password_vars = password_vars
        #: the document has anchors, so a node may be reached more than once
        self.shared = shared
        self.loader = loader
        self.env = env
        self.issues: list[ConfigIssue] = []
        self.nodes = 0
        self.aliases = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()

    def convert(self, node: Node, path: DataPath, expanding: bool = False) -> Any:
        """Plain data of ``node``; ``expanding`` is true below an alias already counted."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Abort(_BOMB, node)
        if self.shared:
            expanding = self._reached_again(node, expanding)
        if len(path) > MAX_DEPTH:
            raise _Abort(f"nesting deeper than {MAX_DEPTH} levels", node)
        self.doc.values[path] = _packed(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, "tag:yaml.org,2002:seq")
                return self._sequence(node, path, expanding)
            assert isinstance(node, MappingNode)
            self._check_tag(node, "tag:yaml.org,2002:map")
            return self._mapping(node, path, expanding)
        finally:
            self.active.discard(id(node))

    def _reached_again(self, node: Node, expanding: bool) -> bool:
        """Alias accounting (documents with anchors only); whether ``node`` is being expanded."""
        if id(node) in self.active:
            raise _Abort("recursive alias: a node contains itself", node)
        if id(node) in self.seen and not expanding:
            expanding = True
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Abort(f"more than {MAX_ALIASES:,} alias expansions (alias bomb?)", node)
        self.seen.add(id(node))
        return expanding

    def _sequence(self, node: SequenceNode, path: DataPath, expanding: bool) -> list[Any]:
        items = node.value
        out = []
        for i, item in enumerate(items):
            out.append(self.convert(item, (*path, i), expanding))
            if not self.shared:  # each node is reached once: free it (nodes outweigh the data)
                items[i] = None
        return out

    def _check_tag(self, node: Node, expected: str) -> None:
        if node.tag != expected:
            self.issues.append(self._issue(node, f"unsupported YAML tag {node.tag}"))

    def _issue(self, node: Node, message: str) -> ConfigIssue:
        m = _mark(node)
        return file_issue(self.doc.file, message, m.line, m.column)

    def _scalar(self, node: ScalarNode, path: DataPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.issues.append(self._issue(node, f"unsupported YAML tag {node.tag}"))
            return str(node.value)
        if node.tag != _STR:
            return self.loader.construct_object(node)
        text = _as_text(node.value) if node.style == '"' else node.value
        if text is None:
            self.issues.append(self._issue(node, _SURROGATE))
            return ""
        result = interpolate(str(text), self.env, self.password_vars)
        if result.missing or result.refused:
            self.doc.unresolved.add(path)
        for name in result.missing:
            self.issues.append(
                self.doc.issue(
                    path, f"environment variable {name} is not set (use ${{{name}:-default}})"
                )
            )
        for name in result.refused:
            self.issues.append(self.doc.issue(path, refused_message(name)))
        if result.used and _as_text(result.value) is None:
            names = ", ".join(name for name, _value in result.used)
            self.issues.append(self.doc.issue(path, f"{names}: the variable is not UTF-8 text"))
            self.doc.unresolved.add(path)
            return ""
        if result.used:
            self.doc.env_values.update(result.used)
            self.doc.env_paths.add(format_path(path))
        plain = not node.style  # None from PyYAML's parser, "" from libyaml's
        if not result.changed or not plain or result.missing or result.refused:
            return result.value
        # A plain scalar: the substituted text is typed like any plain scalar (30 -> int).
        tag = self.loader.resolve(ScalarNode, result.value, (True, False))
        if tag == _STR:
            return result.value
        return self.loader.construct_object(ScalarNode(tag, result.value))

    def _mapping(self, node: MappingNode, path: DataPath, expanding: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        explicit: dict[str, int] = {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(
                    value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                )
                continue
            if not isinstance(key_node, ScalarNode):
                self.issues.append(self._issue(key_node, "a mapping key must be a plain value"))
                continue
            key = str(key_node.value)
            if key_node.style == '"':
                text = _as_text(key)
                if text is None:
                    self.issues.append(self._issue(key_node, _SURROGATE))
                    continue
                key = text
            key_mark = _packed(key_node)
            if key in explicit:
                first = explicit[key]
                self.doc.keys[(*path, key)] = key_mark
                self.issues.append(
                    self.doc.issue(
                        (*path, key),
                        f"duplicate key '{key}' (first at line {unpack(first).line})",
                        key=True,
                    )
                )
                self.doc.keys[(*path, key)] = first
                continue
            explicit[key] = key_mark
            out[key] = value_node  # converted below, after merges
        result: dict[str, Any] = {}
        own_mark = self.doc.values[path]
        for source in merged:
            if not isinstance(source, MappingNode):
                self.issues.append(self._issue(source, "'<<' merges only mappings"))
                continue
            value = self.convert(source, path, expanding)
            for k, v in value.items():
                result.setdefault(k, v)
        self.doc.values[path] = own_mark
        for key, value_node in out.items():
            self.doc.keys[(*path, key)] = explicit[key]
            result[key] = self.convert(value_node, (*path, key), expanding)
        return result


def parse_bytes(
    raw: bytes, display: str, env: Mapping[str, str], password_vars: Collection[str] = ()
) -> tuple[SourceDoc | None, list[ConfigIssue]]:
    """Parse one file's bytes; ``password_vars`` are more variables ``${...}`` may not read."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        message = f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        return None, [file_issue(display, message, line, col)]
    text = text.removeprefix("\ufeff")
    try:
        node, loader = _compose(text)
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text.encode(), len(text[: exc.position].encode()))
        message = f"character U+{int(exc.character):04X} is not allowed in YAML"
        return None, [file_issue(display, message, line, col)]
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_error(display, exc)]
    except RecursionError:
        deep, message = too_deep(text, _Loader), f"nesting deeper than {MAX_DEPTH} levels"
        return None, [file_issue(display, message, *deep) if deep else file_issue(display, message)]
    if node is None:
        loader.dispose()
        what = "is empty" if not text.strip() else "holds only comments"
        message = f"the file {what} (expected a mapping with 'version: 1')"
        return None, [file_issue(display, message, 1, 1)]
    doc = SourceDoc(display, None)
    shared = "&" in text  # without an anchor there is no alias
    conv = _Converter(doc, loader, env, shared, password_vars)
    try:
        if shared:
            _expanded_size(node, {}, set())
        doc.data = conv.convert(node, ())
    except _Abort as abort:
        m = _mark(abort.node) if abort.node is not None else None
        return None, [
            file_issue(display, abort.message, m.line if m else None, m.column if m else None)
        ]
    finally:
        loader.dispose()
    return doc, conv.issues


def _yaml_error(display: str, exc: yaml.MarkedYAMLError) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    if "'\\t'" in problem:
        message = "tab character where YAML expects spaces (indent with spaces)"
    elif "another document" in problem:
        message = "a config file holds a single YAML document (found '---' starting another)"
    else:
        message = f"invalid YAML: {problem}"
        if exc.context:
            message += f" ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                message += f" at line {exc.context_mark.line + 1}"
            message += ")"
    if mark is None:
        return file_issue(display, message)
    return file_issue(display, message, mark.line + 1, mark.column + 1)
