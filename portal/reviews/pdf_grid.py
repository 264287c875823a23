"""A review PDF's tables, drawn straight on the canvas (Grid): plain text in fixed columns under a
bold header, a thin grid, the header repeated on every page a long table continues on.

ReportLab's platypus Table did this for the review's tables, one cell at a time: a cell style
looked up, a text object begun, measured and ended for each of a unit review's some 1,540 cells
(with its 172-row overview), and each string measured again and again. A Grid measures and breaks
each cell's text once (fit_lines, cached per text, column width and font: a catalogue's names and
the common phrases repeat from one review to the next), lays out rows with their heights known
in advance, and draws a page's part of the table as one path for the grid and one text object for
every line of it (docs/reviews.md#speed). It looks as the Table did: the same fonts, paddings,
leading, grid and header background.

Text is plain (no mini-markup): the caller passes characters the standard fonts draw."""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus.flowables import Flowable

FONT, BOLD, SIZE, LEADING = "Helvetica", "Helvetica-Bold", 8, 10
PADDING = 6  # a cell's left and right padding (as platypus Table's default)
TOP, BOTTOM = 3, 3  # a cell's top and bottom padding (the same)
GRID_COLOUR, GRID_WIDTH = colors.HexColor("#999999"), 0.25
HEADER_BACKGROUND = colors.HexColor("#eeeeee")
TALL_ROW = 300  # points: a row taller than this may be split between pages, line by line


@lru_cache(maxsize=16384)
def text_width(text: str, font: str = FONT) -> float:
    """The width of `text` in `font` at SIZE, in points (cached: most of a table's texts repeat)."""
    return stringWidth(text, font, SIZE)


@lru_cache(maxsize=16384)
def fit_lines(text: str, width: float | None, font: str = FONT) -> tuple[str, ...]:
    """`text` broken into lines (at its newlines, and at spaces) that each fit a column `width`
    points wide with its padding; None: as it is, at its newlines. A word wider than the column
    stays whole on its line. Cached per (text, width, font)."""
    if width is None:
        return tuple(text.split("\n"))
    room = width - 2 * PADDING
    if "\n" not in text and text_width(text, font) <= room:
        return (text,)
    return tuple(simpleSplit(text, font, SIZE, room)) or (text,)


def _height(lines: int) -> float:
    return lines * LEADING + TOP + BOTTOM


class Grid(Flowable):
    """A table of plain-text cells: `header` (bold) and `rows`, in columns `widths` points wide
    (None: each column as wide as its widest text). `links`, one per row: a URL (or None) laid as
    a link annotation over the row's first cell. Splits between rows, the header repeated on
    each part; a row taller than TALL_ROW is also split between its lines."""

    def __init__(
        self, header: list[str], rows: list[list[str]], widths: list[float] | None = None, links: list | None = None
    ):
        super().__init__()
        columns = widths or [None] * len(header)
        self._header = [fit_lines(text, w, BOLD) for text, w in zip(header, columns, strict=True)]
        self._rows = [[fit_lines(text, w) for text, w in zip(row, columns, strict=True)] for row in rows]
        self._links = list(links) if links is not None else [None] * len(rows)
        if len(self._links) != len(self._rows):
            raise ValueError("one link (or None) per row")
        self._widths = list(widths) if widths else self._natural_widths()
        self._header_height = _height(max((len(lines) for lines in self._header), default=1))
        self._heights = [_height(max((len(lines) for lines in row), default=1)) for row in self._rows]

    def _natural_widths(self) -> list[float]:
        found = [max((text_width(line, BOLD) for line in lines), default=0) for lines in self._header]
        for row in self._rows:
            for n, lines in enumerate(row):
                found[n] = max(found[n], *(text_width(line) for line in lines))
        return [w + 2 * PADDING for w in found]

    def _part(self, rows: list, heights: list[float], links: list) -> Grid:
        part = Grid.__new__(Grid)
        Flowable.__init__(part)
        part.__dict__.update(
            _header=self._header,
            _rows=rows,
            _links=links,
            _widths=self._widths,
            _header_height=self._header_height,
            _heights=heights,
        )
        return part

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def wrap(self, availWidth, availHeight):
        self.width = sum(self._widths)
        self.height = self._header_height + sum(self._heights)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        """The rows that fit `availHeight` under the header, and the rest under the header again.
        None fit: nothing here (the table waits for the next page); unless the next row is taller
        than TALL_ROW (it may fit no page): then as many of its lines as fit, the rest after."""
        room = availHeight - self._header_height
        used, n = 0.0, 0
        while n < len(self._rows) and used + self._heights[n] <= room:
            used += self._heights[n]
            n += 1
        if n == len(self._rows):
            return [self]
        rows, heights, links = self._rows, self._heights, self._links
        fits = int((room - used - TOP - BOTTOM) // LEADING)
        if heights[n] > TALL_ROW and fits >= 1:
            head = [lines[:fits] for lines in rows[n]]
            tail = [lines[fits:] for lines in rows[n]]
            rows = [*rows[:n], head, tail, *rows[n + 1 :]]
            heights = [*heights[:n], _height(fits), _height(max(len(lines) for lines in tail)), *heights[n + 1 :]]
            links = [*links[: n + 1], None, *links[n + 1 :]]  # the link over the row's first part
            n += 1
        if n == 0:
            return []
        return [self._part(rows[:n], heights[:n], links[:n]), self._part(rows[n:], heights[n:], links[n:])]

    def draw(self):
        canvas = self.canv
        width, height = sum(self._widths), self._header_height + sum(self._heights)
        canvas.setFillColor(HEADER_BACKGROUND)
        canvas.rect(0, height - self._header_height, width, self._header_height, stroke=0, fill=1)
        lines = canvas.beginPath()
        x = 0.0
        edges = [0.0]
        for w in self._widths:
            x += w
            edges.append(x)
        for x in edges:
            lines.moveTo(x, 0)
            lines.lineTo(x, height)
        tops = [height, height - self._header_height]
        for h in self._heights:
            tops.append(tops[-1] - h)
        for y in tops:
            lines.moveTo(0, y)
            lines.lineTo(width, y)
        canvas.setStrokeColor(GRID_COLOUR)
        canvas.setLineWidth(GRID_WIDTH)
        canvas.drawPath(lines, stroke=1, fill=0)

        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        text.setFont(BOLD, SIZE, LEADING)
        self._draw_row(text, self._header, edges, height)
        text.setFont(FONT, SIZE, LEADING)
        for row, top in zip(self._rows, tops[1:-1], strict=True):
            self._draw_row(text, row, edges, top)
        canvas.drawText(text)
        for link, top, bottom in zip(self._links, tops[1:-1], tops[2:], strict=True):
            if link:
                canvas.linkURL(link, (edges[0], bottom, edges[1], top), relative=1)

    @staticmethod
    def _draw_row(text, row, edges: list[float], top: float) -> None:
        baseline = top - TOP - SIZE
        for lines, left in zip(row, edges, strict=False):
            if not lines or lines == ("",):
                continue
            text.setTextOrigin(left + PADDING, baseline)
            for line in lines:
                text.textLine(line)


@lru_cache(maxsize=4096)
def _broken(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    return tuple(simpleSplit(text, font, size, width)) or ("",)


class Lines(Flowable):
    """Plain running text in a ParagraphStyle's font, size, leading, colour and spacing, broken at
    spaces to the frame's width and drawn as one text object: what a Paragraph of plain text
    draws, without parsing it as mini-markup (a unit's review has some 200 of them). Its
    whitespace collapsed, as a Paragraph's. Splits between lines, never leaving one alone."""

    def __init__(self, text: str, style, lines: tuple[str, ...] | None = None):
        super().__init__()
        self.text = " ".join(text.split())
        self.style = style  # platypus reads its keepWithNext, our spaces
        self._lines = lines

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter

    def wrap(self, availWidth, availHeight):
        if self._lines is None:
            self._lines = _broken(self.text, self.style.fontName, self.style.fontSize, availWidth)
        self.width = availWidth
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        lines = self._lines or _broken(self.text, self.style.fontName, self.style.fontSize, availWidth)
        fits = int(availHeight // self.style.leading)
        if fits <= 1:
            return []
        if len(lines) <= fits:
            return [self]
        return [Lines(self.text, self.style, lines[:fits]), Lines(self.text, self.style, lines[fits:])]

    def draw(self):
        style = self.style
        text = self.canv.beginText(0, self.height - style.fontSize)
        text.setFont(style.fontName, style.fontSize, style.leading)
        text.setFillColor(style.textColor)
        for line in self._lines:
            text.textLine(line)
        self.canv.drawText(text)
