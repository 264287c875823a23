"""A review as a PDF, drawn on the server with ReportLab (platypus) from the same document the
page shows (selectors.ReviewDocument). Text, not pictures of text: the PDF can be searched and
copied, and a test reads the service's name back out of it.

ReportLab's standard fonts (Helvetica) cover Latin-1 only; other characters are replaced rather
than drawn as boxes (_plain).

Everything is plain text drawn straight on the canvas: tables by pdf_grid.Grid, not platypus
Tables (drawn cell by cell: with a unit's 172-row overview and its sections' tables, some 1,540
cells, that was most of the PDF's time), running text by pdf_grid.Lines, not Paragraphs (parsed
as mini-markup first; some 200 of them). The C helpers of reportlab[accel] (rl-accel) measure
and format the text."""

from __future__ import annotations

from io import BytesIO

from django.urls import reverse
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from feedback import scores
from portal.reviews.document import ReviewDocument, ServiceSection
from portal.reviews.pdf_grid import Grid, Lines
from sla.notifications.rendering import absolute_url

_STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle("ReviewTitle", parent=_STYLES["Title"], fontSize=18, leading=22, alignment=0)
H2 = ParagraphStyle("ReviewH2", parent=_STYLES["Heading2"], fontSize=13, spaceBefore=8)
H3 = ParagraphStyle("ReviewH3", parent=_STYLES["Heading3"], fontSize=11, spaceBefore=6)
BODY = ParagraphStyle("ReviewBody", parent=_STYLES["BodyText"], fontSize=9, leading=12)
SMALL = ParagraphStyle("ReviewSmall", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#444444"))
_REPLACEMENTS = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "→": "->", "…": "..."}


def _plain(value) -> str:
    """In characters ReportLab's standard fonts can draw."""
    text = str(value if value is not None else "")
    if text.isascii():
        return text
    for fancy, plain in _REPLACEMENTS.items():
        text = text.replace(fancy, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def _p(text, style=BODY) -> Lines:
    """Running text in `style` (pdf_grid.Lines: as a Paragraph of plain text draws it)."""
    return Lines(_plain(text), style)


def _table(header: list[str], rows: list[list], widths: list[float] | None = None, links=None) -> Grid:
    """A table of plain strings (pdf_grid.Grid: drawn straight on the canvas, each cell broken
    into lines that fit its column)."""
    return Grid([_plain(h) for h in header], [[_plain(cell) for cell in row] for row in rows], widths, links)


def _percent(value) -> str:
    return "-" if value is None else f"{value:g}%"


def _section(section: ServiceSection, *, heading: bool) -> list:
    story: list = []
    if heading:
        story.append(_p(section.service.name, H2))
    story.append(_p("What was agreed", H3))
    if not section.agreed:
        story.append(_p("No agreement in force."))
    for terms in section.agreed:
        story.append(_p(f"Agreement v{terms.agreement.version} for {terms.audience}"))
        if terms.targets:
            story.append(_table(["Priority", "Targets"], [list(t) for t in terms.targets], [30 * mm, 140 * mm]))
        if terms.measures:
            story.append(
                _table(
                    ["Measure", "Why it matters", "Target"],
                    [list(m) for m in terms.measures],
                    [45 * mm, 80 * mm, 45 * mm],
                )
            )
    story.append(_p("What happened", H3))
    if section.attainment:
        story.append(
            _table(
                ["Priority", "On time", "Missed", "Attainment", "Objective"],
                [
                    [f"P{a.priority}", a.met, a.breached, _percent(a.percent), _percent(a.objective_percent)]
                    for a in section.attainment
                ],
            )
        )
    else:
        story.append(_p("No ticket reached a target in the period."))
    if section.measures:
        story.append(Spacer(1, 3 * mm))
        story.append(
            _table(
                ["Measure", "Target", "Actual", "Status"],
                [
                    [
                        m.card.measure.name,
                        f"{m.card.target:g} {m.card.measure.unit}",
                        "; ".join(f"{p.label}: {'-' if p.actual is None else f'{p.actual:g}'}" for p in m.periods),
                        m.status_label,
                    ]
                    for m in section.measures
                ],
                [50 * mm, 30 * mm, 60 * mm, 30 * mm],
            )
        )
    if section.commitments:
        story.append(Spacer(1, 3 * mm))
        story.append(
            _table(
                ["Commitment", "Due", "Outcome", "Reasons"],
                [
                    [
                        c.commitment.title,
                        f"{c.commitment.due_on:%d %b %Y}",
                        c.reading.label,
                        " / ".join(c.reading.reasons),
                    ]
                    for c in section.commitments
                ],
                [55 * mm, 22 * mm, 28 * mm, 65 * mm],
            )
        )
    feedback = section.feedback
    story.append(
        _p(
            "Surveys: "
            + "; ".join(
                f"{scores.LABELS[s.kind]} {'-' if s.value is None else f'{s.value:.0f}'} ({s.responses} responses)"
                for s in section.scores
            )
            + f". {feedback.responses} responses in all."
        )
    )
    if section.themes:
        story.append(_p("Top themes: " + "; ".join(f"{t.name} ({t.comments} comments)" for t in section.themes)))
    gaps = section.perception.perception.gaps
    if gaps:
        story.append(_p("Perception gap (IT minus business): " + "; ".join(f"{g.label} {g.gap:+.1f}" for g in gaps)))
    if section.watermelon is not None and section.watermelon.flagged:
        story.append(_p(f"Green outside, red inside: {section.watermelon.summary}."))
    story.append(_p("Misses and their causes", H3))
    if not section.misses:
        story.append(_p("No miss in the period."))
    for miss in section.misses:
        story.append(_p(miss.what))
        for cause in miss.causes:
            story.append(_p(f"- {cause}", SMALL))
    story.append(_p("What comes next", H3))
    for audience, day in section.review_dates:
        story.append(_p(f"Agreement for {audience} to be reviewed by {day:%d %b %Y}."))
    for commitment in section.commitments_next:
        story.append(_p(f"Commitment due {commitment.due_on:%d %b %Y}: {commitment.title}"))
    if not section.review_dates and not section.commitments_next:
        story.append(_p("No agreement review or commitment falls due next period."))
    return story


OVERVIEW_HEADER = ["Service", "SLA attainment", "Measures met", "Commitments delivered / late"]
OVERVIEW_HEADER += ["CSAT / NPS (responses)", "Watermelon", "At the meeting"]
OVERVIEW_WIDTHS = [w * mm for w in (36, 26, 15, 24, 25, 16, 32)]


SLUG = "service-slug"  # a placeholder, split out of one reversed URL


def _overview(document: ReviewDocument) -> list:
    """A unit's services at a glance: a row per service, plain strings fitted to the columns,
    each service's name a link to its own review of the same period (at settings.SITE_URL, the
    address the e-mails use: a PDF is read away from the request that made it)."""
    before, after = absolute_url(reverse("portal:service_review", args=[SLUG, document.period.code])).split(SLUG)
    rows = []
    for row in document.overview:
        attained = "no tickets" if row.attainment_percent is None else f"{row.attainment_percent:g}%"
        attained += "".join(f"; P{p.priority} {p.percent:g}% < {p.objective_percent:g}%" for p in row.off_track)
        rows.append(
            [
                row.service.name,
                attained,
                f"{row.measures_met}/{row.measures}" if row.measures else "-",
                f"{row.delivered} / {row.late}" + (f" ({row.renegotiated} reneg.)" if row.renegotiated else ""),
                f"{_score(row.csat)} / {_score(row.nps)} ({row.feedback.responses})",
                "Yes" if row.flagged else "-",
                "In full: " + "; ".join(row.reasons) if row.discussed else "Met everything",
            ]
        )
    links = [f"{before}{row.service.slug}{after}" for row in document.overview]
    table = _table(OVERVIEW_HEADER, rows, OVERVIEW_WIDTHS, links)
    return [_p("The services at a glance", H2), _p(document.discussion_note), table]


def _score(score) -> str:
    return "-" if score.value is None else f"{score.value:.0f}"


def _actions(title: str, lines) -> list:
    story = [_p(title, H2)]
    if not lines:
        story.append(_p("None recorded."))
        return story
    story.append(
        _table(
            ["Action", "Owner", "Due", "Status"],
            [
                [
                    line.action.text,
                    line.action.owner.get_full_name() or line.action.owner.get_username(),
                    f"{line.action.due_on:%d %b %Y}",
                    line.label,
                ]
                for line in lines
            ],
            [90 * mm, 35 * mm, 25 * mm, 20 * mm],
        )
    )
    return story


def review_pdf(document: ReviewDocument) -> bytes:
    buffer = BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=document.title,
        author="Accord",
        subject=f"Service review, {document.period.label}",
    )
    story: list = [_p(document.title, TITLE)]
    note = f"As of {document.as_of:%d %b %Y %H:%M} UTC" + (
        " (the period is still in progress)" if document.so_far else ""
    )
    story.append(_p(note, SMALL))
    if document.previous_period is not None:
        story += _actions(f"Actions from the {document.previous_period.label} review", document.previous_actions)
    if document.is_unit:
        story += _overview(document) if document.overview else [_p("The unit uses no service you may see.")]
    for section in document.sections:
        story += _section(section, heading=document.is_unit)
    story += _actions("Actions agreed at this review", document.actions)
    pdf.build(story)
    return buffer.getvalue()
