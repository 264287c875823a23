"""A review PDF's tables drawn straight on the canvas (portal/reviews/pdf_grid.py): every cell's
words kept and fitted to its column, a long table continued on the next page under its header
repeated, a row's link over its first cell on whichever page the row lands, a row taller than a
page split between its lines; running text (Lines) as a Paragraph of plain text draws it."""

import re
from io import BytesIO

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import SimpleDocTemplate

from portal.reviews import pdf
from portal.reviews.pdf_grid import BOLD, FONT, PADDING, SIZE, Grid, Lines, fit_lines

LONG = "Customer relationship management platform for the whole of the sales team"
HEADER = ["Service", "What happened", "Count"]
WIDTHS = [36 * mm, 60 * mm, 20 * mm]
HEADING = "Service What happened Count"


def _pages(*flowables) -> list:
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(list(flowables))
    return PdfReader(BytesIO(buffer.getvalue())).pages


def _links(page) -> list[tuple[str, list[float]]]:
    found = []
    for annotation in page.get("/Annots") or []:
        annotation = annotation.get_object()
        if annotation["/Subtype"] == "/Link":
            found.append((annotation["/A"]["/URI"], [float(v) for v in annotation["/Rect"]]))
    return found


def test_a_cells_text_is_broken_at_spaces_into_lines_that_fit_its_column():
    assert fit_lines("Payroll", 36 * mm) == ("Payroll",)
    lines = fit_lines(LONG, 36 * mm)
    assert len(lines) > 1 and " ".join(lines) == LONG
    assert all(stringWidth(line, FONT, SIZE) <= 36 * mm - 2 * PADDING for line in lines)
    assert fit_lines(LONG, 36 * mm, BOLD) != lines  # measured in its own font
    assert fit_lines("two\nlines", None) == ("two", "lines")  # no width: as it is, at its newlines
    assert fit_lines(LONG, 36 * mm) is lines  # measured once, then cached
    assert pdf._plain("Café → “booking”") == 'Café -> "booking"'  # what the standard fonts draw


def test_a_long_table_continues_on_the_next_pages_under_its_header():
    rows = [[f"Service {n:03}", f"{LONG} {n}" if n % 7 == 0 else "Met everything", str(n)] for n in range(240)]
    links = [f"https://accord.example.org/services/s-{n}/" for n in range(240)]
    pages = _pages(Grid(HEADER, rows, WIDTHS, links))
    assert len(pages) > 3
    seen = []
    for page in pages:
        text = " ".join(page.extract_text().split())
        assert text.startswith(HEADING) and text.count(HEADING) == 1  # the header on every page
        on_page = [n for n in range(240) if f"Service {n:03}" in text]
        assert on_page, "every page has rows"
        seen += on_page
        page_links = _links(page)
        assert [uri for uri, _rect in page_links] == [links[n] for n in on_page]  # each row's, on its page
        tops = [rect[3] for _uri, rect in page_links]
        assert tops == sorted(tops, reverse=True)
        assert len({round(rect[0]) for _uri, rect in page_links}) == 1  # over the first column
    assert seen == list(range(240))  # every row once, in order
    words = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert all(f"{LONG} {n}" in words for n in range(0, 240, 7))  # the long cells whole


def test_a_row_taller_than_a_page_is_split_between_its_lines():
    tall = "\n".join(f"Line {n}" for n in range(150))
    pages = _pages(Grid(HEADER, [["Short", "x", "1"], ["Tall", tall, "2"], ["After", "y", "3"]], WIDTHS))
    assert len(pages) >= 2
    texts = [" ".join(page.extract_text().split()) for page in pages]
    text = " ".join(texts)
    assert text.startswith("Service What happened Count Short x 1 Tall Line 0 Line 1 ")  # from the page it starts on
    assert [int(n) for n in re.findall(r"Line (\d+)", text)] == list(range(150))  # every line once, in order
    assert text.index("Line 149") < text.index("After")
    assert all(t.startswith(HEADING) for t in texts)
    assert text.count(HEADING) == len(pages)  # once a page


def test_columns_without_a_width_take_their_widest_text():
    grid = Grid(["P", "Attainment"], [["P1", "95.5%"], ["P2 long", "-"]])
    width, height = grid.wrap(500, 500)
    expected = stringWidth("P2 long", FONT, SIZE) + stringWidth("Attainment", BOLD, SIZE) + 4 * PADDING
    assert abs(width - expected) < 0.01
    assert height == 3 * 16  # header and two rows of one line: 10 points a line, 3 above and below


def test_running_text_is_drawn_in_its_styles_font_broken_to_the_frame_and_continued_on_the_next_page():
    from reportlab.lib.styles import ParagraphStyle

    style = ParagraphStyle("Body", fontName="Helvetica", fontSize=9, leading=12, spaceBefore=6)
    words = " ".join(f"word{n}" for n in range(2000))
    text = Lines(f"  A & <b>not markup</b>\n{words}  ", style)
    width, height = text.wrap(400, 10_000)
    assert width == 400 and height == 12 * len(text._lines) and len(text._lines) > 70  # more than a page
    assert all(stringWidth(line, "Helvetica", 9) <= 400 for line in text._lines)
    pages = _pages(Lines("Before", style), text)
    assert len(pages) >= 2
    found = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert found == f"Before A & <b>not markup</b> {words}"  # every word, in order, whitespace collapsed
    assert text.getSpaceBefore() == 6
