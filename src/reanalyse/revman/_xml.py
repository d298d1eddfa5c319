"""A minimal, line-numbered XML tree built with the standard library's expat binding.

``xml.etree.ElementTree`` (the C-accelerated one) does not tell where an element sits in the file,
and validation problems must name the line. ``pyexpat`` does, cheaply: each node records the line of
its start tag. The tree is built without recursion, so pathological nesting cannot overflow the
stack, and DTD entity declarations are refused (no entity-expansion bombs; RevMan files have none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

__all__ = ["Node", "XmlSyntaxError", "parse_xml"]


class XmlSyntaxError(Exception):
    """Not well-formed XML (or a refused feature); carries the parser's line and column."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True, eq=False)
class Node:
    """An element: tag, attributes, line of its start tag, content in document order."""

    tag: str
    attrib: dict[str, str]
    line: int
    content: list[Node | str] = field(default_factory=list)

    @property
    def children(self) -> Iterator[Node]:
        return (c for c in self.content if isinstance(c, Node))

    def find(self, tag: str) -> Node | None:
        """First direct child with this tag."""
        for c in self.content:
            if isinstance(c, Node) and c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list[Node]:
        """All direct children with this tag."""
        return [c for c in self.content if isinstance(c, Node) and c.tag == tag]

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        """This node and all descendants in document order (iteratively), optionally by tag."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                yield node
            stack.extend(reversed([c for c in node.content if isinstance(c, Node)]))

    def text(self) -> str:
        """All character data inside this element, markup removed, whitespace collapsed."""
        parts: list[str] = []
        stack: list[Node | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
            else:
                stack.extend(reversed(item.content))
        return " ".join("".join(parts).split())


class _EntityDeclarationRefused(Exception):
    pass


def parse_xml(data: bytes) -> Node:
    """Parse a whole document; raise :class:`XmlSyntaxError` with line and column on failure."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    root: list[Node] = []
    stack: list[Node] = []

    def start(tag: str, attrib: dict[str, str]) -> None:
        node = Node(tag, attrib, parser.CurrentLineNumber)
        if stack:
            stack[-1].content.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].content.append(text)

    def entity_decl(*args: object) -> None:
        raise _EntityDeclarationRefused

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = entity_decl

    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlSyntaxError(
            f"not well-formed XML: {expat.ErrorString(exc.code)}", exc.lineno, exc.offset
        ) from None
    except _EntityDeclarationRefused:
        raise XmlSyntaxError(
            "entity declarations are not allowed in a RevMan file",
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber,
        ) from None
    except (ValueError, LookupError, UnicodeError) as exc:  # odd encodings declared by junk input
        raise XmlSyntaxError(
            f"cannot decode the document: {exc}",
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber,
        ) from None
    if not root:  # pragma: no cover - expat reports "no element found" first
        raise XmlSyntaxError("no element found", 1, 0)
    return root[0]
