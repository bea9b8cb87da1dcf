"""What may sit in a book's content folders, judged by name and by type.

File and folder names reach URLs, edit links and terminals, and MkDocs copies every file under
``docs/`` that is not Markdown into the site untouched, on the site's own origin: an HTML or
SVG file there runs its script for every reader, and one at a theme asset's path replaces the
theme's JavaScript.  So names are held to a safe pattern, and ``docs/`` takes only file types
that cannot carry script, each checked by content, not by its name alone.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from xml.parsers import expat

from briefbook.diagnostics import Diagnostic, Location, _printable
from briefbook.fields import slugify

MAX_DEPTH = 24
"""Folder levels below a content folder; far more than any book needs, and a bound keeps the
walk (and MkDocs' recursive one) clear of Python's recursion limit."""

MAX_ENTRIES = 250_000
"""Files and folders in one content folder: ten times a large book.  Folder links that each
lead to folders holding more links multiply the tree; this bounds the walk whatever they do."""

SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""Every folder and file name under a content folder: ASCII letters, digits, '-', '_', '.',
not starting with '.' or '-'.  Names land unescaped in edit links, URLs and shell commands."""

RASTER_MAGIC: dict[str, tuple[str, tuple[tuple[int, bytes], ...]]] = {
    # extension: (type name, any one of (offset, bytes) that the file must start with)
    ".png": ("PNG", ((0, b"\x89PNG\r\n\x1a\n"),)),
    ".jpg": ("JPEG", ((0, b"\xff\xd8\xff"),)),
    ".jpeg": ("JPEG", ((0, b"\xff\xd8\xff"),)),
    ".gif": ("GIF", ((0, b"GIF87a"), (0, b"GIF89a"))),
    ".webp": ("WebP", ((8, b"WEBP"),)),  # after 'RIFF' and a length, checked below
    ".avif": ("AVIF", ((4, b"ftyp"),)),  # an ISO media file; its brand may vary
    ".ico": ("ICO", ((0, b"\x00\x00\x01\x00"),)),
}

# Styles run no script, and the Content-Security-Policy every page carries blocks requests to
# other sites, so a stylesheet can restyle the book but not reach readers or their data.
ALLOWED_HINT = ("allowed under docs/: .md pages, .png .jpg .jpeg .gif .webp .avif .ico and "
                "script-free .svg images, .css stylesheets")

RESERVED = frozenset({"assets", "search", "404.html", "sitemap.xml", "sitemap.xml.gz"})
"""Names directly under docs/ that belong to the theme (assets/javascripts,
assets/stylesheets, 404.html, the sitemap), to briefbook (assets/briefbook) and to the search
index (search/): a book's file there would replace theirs."""

_SVG_REFUSED_ELEMENTS = frozenset({"script", "foreignobject", "iframe", "object", "embed",
                                   "handler", "style", "listener"})
_SVG_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform",
                             "animatecolor"})
_SVG_LINK_ATTRIBUTES = frozenset({"href", "src"})
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_MARKUP_NAMESPACES = frozenset({"http://www.w3.org/1999/xhtml",
                                "http://www.w3.org/1998/Math/MathML"})
"""Elements the browser builds as HTML or MathML even inside an SVG document."""
_OFF_IMAGE_URL = re.compile(r"url\(\s*+['\"]?+\s*+(?!#)", re.IGNORECASE)


def name_problem(name: str, at: str, folder: bool) -> Diagnostic | None:
    """A message for a folder or file name outside ``SAFE_NAME``; ``at`` is its path."""
    if SAFE_NAME.fullmatch(name):
        return None
    stem, dot, ext = name.rpartition(".")
    suggestion = (slugify(stem) + dot + ext.lower() if dot and stem and SAFE_NAME.fullmatch(ext)
                  else slugify(name)) or "my-name"
    return Diagnostic(Location(_printable(at)), "error",
                      f"{'folder' if folder else 'file'} name '{_printable(name)}' may use "
                      "only ASCII letters, digits, '-', '_' and '.'",
                      f"rename it using only a-z, 0-9 and '-', e.g. '{suggestion}'")


def reserved_problem(name: str, at: str) -> Diagnostic | None:
    """A message for a file or folder directly under docs/ at a name the site reserves."""
    if name not in RESERVED:
        return None
    return Diagnostic(Location(at), "error",
                      f"'{name}' is reserved for the theme's and briefbook's own files",
                      "keep the book's own files elsewhere, e.g. images in docs/images/")


def special_problem(mode: int, at: str) -> Diagnostic | None:
    """A message for anything that is neither a regular file nor a folder (never opened:
    reading a FIFO blocks forever)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device file" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file")
    return Diagnostic(Location(at), "error", f"this is {kind}, not a file",
                      "remove it; content folders hold only files and folders")


def read_bytes(path: Path, limit: int | None) -> bytes:
    """A regular file's bytes, at most ``limit`` of them.

    Opened without blocking and checked after opening, so a file swapped for a FIFO after
    the walk looked at it cannot stall the check.  Raises OSError, with ``strerror`` set."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read() if limit is None else handle.read(limit)
    finally:
        os.close(fd)


def docs_file_problem(path: Path, rel: str, max_bytes: int) -> Diagnostic | None:
    """A message for a file under docs/ that is not a Markdown page, if it may not be
    published as it is."""
    ext = path.suffix
    lower = ext.lower()
    if lower in RASTER_MAGIC or lower in (".svg", ".css", ".md"):
        if ext != lower:
            return Diagnostic(Location(rel), "error", f"extension '{ext}' must be lowercase",
                              f"rename the file to end in '{lower}'")
    else:
        what = f"'{ext}' files are" if ext else "files without an extension are"
        hint = ("write the page in Markdown (.md) instead: MkDocs would publish the HTML, "
                "scripts and all" if lower in (".html", ".htm", ".xhtml") else ALLOWED_HINT)
        return Diagnostic(Location(rel), "error", f"{what} not allowed under docs/", hint)
    try:
        if lower in RASTER_MAGIC:
            return _raster_problem(read_bytes(path, 16), lower, rel)
        if lower == ".svg":
            return svg_problem(read_bytes(path, max_bytes + 1), rel, max_bytes)
    except OSError as exc:
        return Diagnostic(Location(rel), "error", f"cannot read file: {exc.strerror}")
    return None


def _raster_problem(head: bytes, ext: str, rel: str) -> Diagnostic | None:
    name, signatures = RASTER_MAGIC[ext]
    if ext == ".webp" and not head.startswith(b"RIFF"):
        signatures = ()
    if any(head[offset:offset + len(magic)] == magic for offset, magic in signatures):
        return None
    return Diagnostic(Location(rel), "error",
                      f"this is not a {name} image: its first bytes are not a {name} header",
                      f"save it as a real {name} file, or remove it")


class _Refused(Exception):
    def __init__(self, line: int, col: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.col, self.reason = line, col, reason


def svg_problem(data: bytes, rel: str, max_bytes: int) -> Diagnostic | None:
    """A message if an SVG image could run script, load anything or is not plain XML.

    Parsed by expat (a real XML parser) with no document type: DOCTYPE and ENTITY
    declarations are refused when met, so no entity is ever expanded or fetched."""
    hint = ("draw it without script, styles, links or embedded documents, or export it as "
            "PNG")
    if len(data) > max_bytes:
        return Diagnostic(Location(rel), "error",
                          f"SVG image is over {max_bytes // 1048576} MiB", "export it as PNG")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Diagnostic(Location(rel), "error", "SVG image is not UTF-8", hint)
    if "\x00" in text:  # UTF-16 text, which the checks below would not read as written
        return Diagnostic(Location(rel), "error", "SVG image is not UTF-8", hint)
    parser = expat.ParserCreate(namespace_separator=" ")

    def here() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def doctype(*_: object) -> None:
        raise _Refused(*here(), "SVG image has a DOCTYPE or ENTITY declaration")

    def instruction(target: str, _data: str) -> None:
        # <?xml-stylesheet?> would apply XSLT, which can write script.
        raise _Refused(*here(), f"SVG image has a processing instruction '<?{target}'")

    seen_root = False

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal seen_root
        namespace, _, element = name.rpartition(" ")
        if not seen_root and (namespace, element) != (_SVG_NAMESPACE, "svg"):
            raise _Refused(*here(), "the file is not an SVG image: its root element is "
                           f"not <svg xmlns=\"{_SVG_NAMESPACE}\">")
        seen_root = True
        if namespace in _MARKUP_NAMESPACES:
            raise _Refused(*here(), f"SVG image has an HTML or MathML element <{element}>")
        if element.lower() in _SVG_REFUSED_ELEMENTS:
            raise _Refused(*here(), f"SVG image has a <{element}> element")
        for attribute, value in attributes.items():
            local = attribute.rpartition(" ")[2].lower()
            if local.startswith("on"):
                raise _Refused(*here(), f"SVG image has an event handler '{local}'")
            if local in _SVG_LINK_ATTRIBUTES and not value.strip().startswith("#"):
                raise _Refused(*here(), f"SVG image links to '{_printable(value[:80])}', "
                               "not to a '#fragment' inside the image")
            # Any attribute may be CSS (style, fill, filter...): url() may name only a part
            # of the image itself, and CSS escapes could spell url( or @import unseen.
            if ("\\" in value or _OFF_IMAGE_URL.search(value)
                    or (local == "style" and "@import" in value.lower())):
                raise _Refused(*here(), f"SVG image's '{local}' attribute could load a "
                               "resource (@import, a url() that is not '#fragment', or a "
                               "CSS escape)")
            if (element.lower() in _SVG_ANIMATIONS and local == "attributename"
                    and (value.strip().rpartition(":")[2].lower() in _SVG_LINK_ATTRIBUTES
                         or value.strip().lower().startswith("on"))):
                raise _Refused(*here(), f"SVG image animates the '{value.strip()}' attribute")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    try:
        parser.Parse(text, True)
    except _Refused as refused:
        return Diagnostic(Location(rel, refused.line, refused.col), "error", refused.reason,
                          hint)
    except expat.ExpatError as exc:
        return Diagnostic(Location(rel, exc.lineno, exc.offset + 1), "error",
                          f"SVG image is not well-formed XML: "
                          f"{expat.ErrorString(exc.code)}", hint)
    return None
