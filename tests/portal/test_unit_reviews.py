"""A business unit's review read for all its services at once (portal/reviews/sections.py): an
overview row per service and, for the services to discuss, the same sections as each service's own
reading, in a number of queries that does not grow with the number of services."""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from catalog.models import Measure, UrgencyTarget
from feedback.models import Response, SelfAssessment, Theme, ThemeMatch
from portal.reviews import selectors
from portal.reviews.periods import period_parse
from portal.reviews.sections import service_sections
from portal.reviews.services import review_action_record
from sla.models import ClockState, Commitment, MeasureEvaluation, Renegotiation, Ticket
from tests import factories as f
from tests.portal.test_reviews import NOVEMBER, NOW
from tests.portal.test_reviews import november as november  # the fixture: Payroll's November
from tests.sla.conftest import agree
from tests.sla.conftest import sla as sla
from tests.sla.test_series_selectors import clock

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def _service_with_a_month(sla, n: int, theme: Theme):
    """Another service Finance uses, on Payroll's calendar, with its own agreement for Finance,
    tickets met and breached (one raised by Marketing), a measure, commitments, answers with a
    theme's comments and IT's view of the quarter."""
    service = f.ServiceFactory(
        name=f"Service {n}",
        slug=f"service-{n}",
        service_owner=sla["owner"],
        business_units=[sla["unit"]],
        support_calendar=sla["office"],
    )
    agreement = agree(
        service,
        sla["unit"],
        {2: {"engage_within": H, "update_every": 2 * H, "resolve_within": 8 * H, "objective_percent": 90 - n}},
        sla["owner"],
        sla["rep"],
    )
    marketing = f.BusinessUnitFactory(name=f"Marketing {n}", slug=f"marketing-{n}")
    for i in range(n + 2):
        unit = marketing if i == 0 else sla["unit"]
        ticket = Ticket.objects.create(
            source="test",
            external_id=f"S{n}-{i}",
            service=service,
            business_unit=unit,
            priority=2,
            title=f"Ticket {i} of service {n}",
            state="open",
            opened_at=datetime(2026, 11, 2 + i, tzinfo=UTC),
        )
        breached = i % 2 == 0
        clock(
            sla,
            ticket,
            state=ClockState.BREACHED if breached else ClockState.MET,
            started=datetime(2026, 11, 2 + i, tzinfo=UTC),
            stopped=datetime(2026, 11, 2 + i, 5, tzinfo=UTC),
            breached=datetime(2026, 11, 2 + i, 1, tzinfo=UTC) if breached else None,
        )
    measure = Measure.objects.create(
        agreement=agreement, key=f"m{n}", name=f"Measure {n}", description="Why.", factor="results", target=95
    )
    MeasureEvaluation.objects.create(
        measure=measure,
        service=service,
        measure_key=measure.key,
        period_start=datetime(2026, 11, 1, tzinfo=UTC),
        period_end=datetime(2026, 12, 1, tzinfo=UTC),
        actual=90 + n,
        status="missed" if n % 2 else "met",
        volume=4,
        reason=f"Service {n}'s reason.",
        computed_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
    )
    common = {"service": service, "owner": sla["owner"], "definition_of_done": "Done."}
    common["committed_on"] = date(2026, 9, 1)
    Commitment.objects.create(title=f"Late {n}", business_unit=sla["unit"], due_on=date(2026, 11, 5), **common)
    Commitment.objects.create(title=f"For everyone {n}", due_on=date(2026, 12, 10), **common)
    Commitment.objects.create(title=f"Marketing's {n}", business_unit=marketing, due_on=date(2026, 11, 6), **common)
    for i in range(12):
        response = Response.objects.create(
            service=service,
            csat=1 + (i + n) % 5,
            nps=(i * n) % 11,
            ces=1 + i % 7,
            comment="Too slow" if i % 3 == 0 else "",
            submitted_at=datetime(2026, 11, 3 + i, tzinfo=UTC),
        )
        if response.comment:
            ThemeMatch.objects.create(response=response, theme=theme, phrase="slow")
    SelfAssessment.objects.create(
        service=service, period_start=date(2026, 10, 1), ratings={"results": 4}, by=sla["owner"]
    )
    return service


def _service_that_met_everything(sla, name: str):
    """A service Finance uses whose November met everything: its tickets on time against its
    objective, no measure, no commitment, no answer, no action."""
    slug = name.lower().replace(" ", "-")
    service = f.ServiceFactory(
        name=name, slug=slug, service_owner=sla["owner"], business_units=[sla["unit"]], support_calendar=sla["office"]
    )
    agree(
        service,
        sla["unit"],
        {2: {"engage_within": H, "update_every": 2 * H, "resolve_within": 8 * H, "objective_percent": 90}},
        sla["owner"],
        sla["rep"],
    )
    for i in range(3):
        ticket = Ticket.objects.create(
            source="test",
            external_id=f"{slug}-{i}",
            service=service,
            business_unit=sla["unit"],
            priority=2,
            title=f"Ticket {i}",
            state="resolved",
            opened_at=datetime(2026, 11, 10 + i, tzinfo=UTC),
        )
        started = datetime(2026, 11, 10 + i, tzinfo=UTC)
        clock(sla, ticket, state=ClockState.MET, started=started, stopped=started + H, breached=None)
    return service


@pytest.fixture
def finance(november):
    """Finance using Payroll and `extra` more services, each with a month of its own."""
    theme = Theme.objects.create(name="Speed", slug="speed", phrases="slow")

    def build(extra: int):
        for n in range(1, extra + 1):
            _service_with_a_month(november, n, theme)
        return november

    return build


def _each_alone(user, unit):
    services = list(selectors.service_review_services(user=user).filter(business_units=unit).order_by("name"))
    return tuple(
        section
        for service in services
        for section in service_sections(user=user, services=[service], unit=unit, period=NOVEMBER, now=NOW)
    )


def test_a_units_sections_are_each_services_own(finance):
    world = finance(3)
    with time_machine.travel(NOW, tick=False):
        doc = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
        alone = _each_alone(world["rep"], world["unit"])
    assert [s.service.name for s in doc.sections] == ["Payroll", "Service 1", "Service 2", "Service 3"]
    assert all(row.discussed for row in doc.overview)  # each has a late commitment
    assert doc.sections == alone
    third = doc.sections[3]
    assert [m.status for m in third.measures] == ["missed"]
    assert [t.name for t in third.themes] == ["Speed"] and third.themes[0].comments == 4
    assert third.perception.self_assessment is not None
    assert {line.commitment.title for line in third.commitments} == {"Late 3"}
    assert [c.title for c in third.commitments_next] == ["For everyone 3"]
    assert any("S3-" in cause for miss in third.misses for cause in miss.causes)


def _met_and_missed(finance):
    world = finance(2)
    quiet = _service_that_met_everything(world, "Quiet service")
    also_quiet = _service_that_met_everything(world, "Steady service")
    return world, quiet, also_quiet


def test_a_unit_shows_in_full_only_the_services_to_discuss(finance):
    world, _quiet, _also_quiet = _met_and_missed(finance)
    with time_machine.travel(NOW, tick=False):
        doc = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
        alone = {s.service: s for s in _each_alone(world["rep"], world["unit"])}
    names = ["Payroll", "Quiet service", "Service 1", "Service 2", "Steady service"]
    assert [row.service.name for row in doc.overview] == names
    assert [s.service.name for s in doc.sections] == ["Payroll", "Service 1", "Service 2"]
    assert all(section == alone[section.service] for section in doc.sections)
    rows = {row.service.name: row for row in doc.overview}
    quiet_row = rows["Quiet service"]
    assert quiet_row.reasons == () and not quiet_row.discussed
    assert (quiet_row.met, quiet_row.total, quiet_row.attainment_percent) == (3, 3, 100.0)
    assert (quiet_row.measures, quiet_row.delivered, quiet_row.late, quiet_row.feedback.responses) == (0, 0, 0, 0)
    # Service 1: 1 of its 2 Finance tickets breached (50% < 89%), its measure missed, "Late 1" late.
    first = rows["Service 1"]
    assert (first.met, first.total, first.measures_met, first.measures, first.late) == (1, 2, 0, 1, 1)
    assert first.reasons == ("P2 under its objective", "1 measure missed", "1 commitment late or missed")
    assert first.csat.responses == 12 and first.feedback.responses == 12
    assert rows["Service 2"].measures_met == 1
    assert doc.discussion_note == (
        "3 of 5 services had something to discuss (a missed target or measure, a late or renegotiated "
        "commitment, a watermelon flag or open actions) and are shown in full below; the rest met "
        "everything: see the table."
    )


def test_an_open_action_on_a_services_own_review_brings_it_to_the_meeting(finance):
    world, quiet, _also = _met_and_missed(finance)
    review_action_record(
        period=period_parse("2026-10"),
        service=quiet,
        text="Check the new cut-off",
        owner=world["owner"],
        due_on=date(2026, 11, 20),
        by=world["owner"],
    )
    with time_machine.travel(NOW, tick=False):
        doc = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
    row = next(row for row in doc.overview if row.service == quiet)
    assert row.reasons == ("1 open action",)
    assert [s.service.name for s in doc.sections] == ["Payroll", "Quiet service", "Service 1", "Service 2"]


def test_a_commitment_moved_in_the_period_brings_its_service_to_the_meeting(finance):
    """Moved in November and delivered on its new date, or moved and still open: renegotiated."""
    world, quiet, also_quiet = _met_and_missed(finance)
    common = {"owner": world["owner"], "definition_of_done": "Done.", "committed_on": date(2026, 9, 1)}
    delivered = Commitment.objects.create(
        service=quiet, title="Moved, delivered", due_on=date(2026, 11, 20), outcome="delivered", **common
    )
    delivered.closed_on = date(2026, 11, 18)
    delivered.save(update_fields=["closed_on"])
    still_open = Commitment.objects.create(service=also_quiet, title="Moved, open", due_on=date(2027, 1, 20), **common)
    for commitment in (delivered, still_open):
        Renegotiation.objects.create(
            commitment=commitment,
            at=datetime(2026, 11, 12, tzinfo=UTC),
            old_due_on=date(2026, 11, 10),
            new_due_on=commitment.due_on,
            reason="Moved.",
            by=world["owner"],
        )
    with time_machine.travel(NOW, tick=False):
        doc = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
    rows = {row.service: row for row in doc.overview}
    assert (rows[quiet].delivered, rows[quiet].renegotiated, rows[quiet].reasons) == (
        1,
        1,
        ("1 commitment renegotiated",),
    )
    assert rows[also_quiet].reasons == ("1 commitment renegotiated",)
    assert {quiet, also_quiet} <= {s.service for s in doc.sections}


def test_the_unit_page_has_the_table_and_links_each_services_review(finance, client):
    world, quiet, also_quiet = _met_and_missed(finance)
    client.force_login(world["rep"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("portal:unit_review", args=["finance", "2026-11"]))
    text = " ".join(response.content.decode().split())
    assert "3 of 5 services had something to discuss" in text and "the rest met everything: see the table." in text
    assert text.count('data-testid="review-overview-row"') == 5
    assert text.count('data-testid="review-service"') == 3
    for service in (quiet, also_quiet):
        assert f'href="/services/{service.slug}/reviews/2026-11/"' in text  # its own review, same period
        assert f'id="service-{service.pk}"' not in text  # no full section
    service_1 = world["unit"].services.get(slug="service-1")
    assert f'<a href="#service-{service_1.pk}">In full below</a>' in text
    assert f'id="service-{service_1.pk}"' in text


def test_the_unit_pdf_has_the_table_and_only_the_discussed_services_in_full(finance, client):
    world, _quiet, _also_quiet = _met_and_missed(finance)
    client.force_login(world["rep"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("portal:unit_review_pdf", args=["finance", "2026-11"]))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages).split())
    assert "The services at a glance" in text and "3 of 5 services had something to discuss" in text
    assert "Quiet service" in text and "Steady service" in text and text.count("Met everything") == 2
    assert text.count("What was agreed") == 3  # Payroll, Service 1 and Service 2 in full
    assert text.count("Quiet service") == 1 and text.count("Steady service") == 1  # in the table only
    assert "In full: P2 under its objective; 1 measure missed; 1 commitment late or missed" in text


def test_the_unit_pdfs_rows_link_each_services_review_at_the_sites_address(finance, client, settings):
    """Each overview row's service name is a link annotation to the service's own review of the
    same period, at SITE_URL (the address the e-mails use), over the name's cell."""
    settings.SITE_URL = "https://accord.example.org/"
    world, _quiet, _also_quiet = _met_and_missed(finance)
    client.force_login(world["rep"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("portal:unit_review_pdf", args=["finance", "2026-11"]))
    links = []
    for page in PdfReader(BytesIO(response.content)).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation["/Subtype"] == "/Link":
                links.append((annotation["/A"]["/URI"], [float(v) for v in annotation["/Rect"]]))
    slugs = ["payroll", "quiet-service", "service-1", "service-2", "steady-service"]
    assert [uri for uri, _rect in links] == [
        f"https://accord.example.org/services/{slug}/reviews/2026-11/" for slug in slugs
    ]
    lefts = {round(rect[0]) for _uri, rect in links}
    assert len(lefts) == 1  # the service column, on every row
    assert all(rect[2] > rect[0] and rect[3] > rect[1] for _uri, rect in links)
    tops = [rect[3] for _uri, rect in links]
    assert tops == sorted(tops, reverse=True)  # row after row, down the page


@pytest.mark.parametrize("extra", [1, 5])
def test_a_units_review_page_in_the_same_queries_for_2_or_6_services(
    finance, client, extra, django_assert_max_num_queries
):
    world = finance(extra)
    client.force_login(world["rep"])
    url = reverse("portal:unit_review", args=["finance", "2026-11"])
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(31):
        response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Service {extra}" in text and "Payroll" in text


@pytest.mark.parametrize("extra", [1, 5])
def test_a_units_review_pdf_in_the_same_queries_for_2_or_6_services(
    finance, client, extra, django_assert_max_num_queries
):
    world = finance(extra)
    client.force_login(world["rep"])
    url = reverse("portal:unit_review_pdf", args=["finance", "2026-11"])
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(28):
        response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_attainment_objective_is_kept(finance):
    world = finance(1)
    target = UrgencyTarget.objects.get(agreement__service__slug="service-1")
    with time_machine.travel(NOW, tick=False):
        doc = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
    assert doc.sections[1].attainment[0].objective_percent == float(target.objective_percent)


def test_a_units_review_shows_each_services_attainment_for_that_unit(finance):
    """Service 2 had four tickets in November: Marketing's (breached) and Finance's three (one
    breached). Its all-units agreement asks 99% on time, Finance's own 88%: Finance's review
    counts Finance's tickets against Finance's objective, the service's review every ticket."""
    from django.utils import timezone

    from catalog.models import Agreement, AgreementStatus

    world = finance(2)
    service = world["unit"].services.get(slug="service-2")
    everyone = Agreement.objects.create(
        service=service,
        business_unit=None,
        version=1,
        status=AgreementStatus.AGREED,
        scope="Everyone.",
        effective_from=date(2026, 1, 1),
        it_signed_by=world["owner"],
        business_signed_by=world["rep"],
        agreed_at=timezone.now(),
    )
    UrgencyTarget.objects.create(
        agreement=everyone, priority=2, engage_within=H, resolve_within=8 * H, objective_percent=99
    )
    with time_machine.travel(NOW, tick=False):
        unit_doc = selectors.unit_review(user=world["rep"], unit=world["unit"], period=NOVEMBER, now=NOW)
        service_doc = selectors.service_review(user=world["rep"], service=service, period=NOVEMBER, now=NOW)
    ours = next(s for s in unit_doc.sections if s.service == service)
    (p2,) = ours.attainment
    assert (p2.met, p2.breached, p2.objective_percent) == (2, 1, 88.0)
    assert ours.breaches == 1
    causes = [cause for miss in ours.misses for cause in miss.causes]
    assert any(c.startswith("S2-2:") for c in causes)
    assert not any(c.startswith("S2-0:") for c in causes)  # Marketing's ticket is not Finance's miss
    (all_units,) = service_doc.sections[0].attainment
    assert (all_units.met, all_units.breached, all_units.objective_percent) == (2, 2, 99.0)


def test_services_without_answers_or_comments_read_as_their_own_summary_says(finance):
    """The batched reads share one empty summary and theme overview among the services that had
    no answer and no comment: the same as each one's own reading (Payroll had none)."""
    from feedback.selectors import service_feedback_summaries, service_feedback_summary
    from feedback.theme_selectors import service_theme_overview, service_theme_overviews

    world = finance(2)
    services = list(world["unit"].services.select_related("support_calendar").order_by("name"))
    payroll = services[0]
    summaries = service_feedback_summaries(services=services, now=NOW, period="month", count=2)
    alone = service_feedback_summary(user=world["rep"], service=payroll, now=NOW, period="month", count=2, ranked=False)
    assert summaries[payroll.pk] == alone and not alone.has_responses
    overviews = service_theme_overviews(services=services, now=NOW, period="month", count=2)
    assert overviews[payroll.pk] == service_theme_overview(service=payroll, now=NOW, period="month", count=2)
    assert overviews[services[1].pk] == service_theme_overview(service=services[1], now=NOW, period="month", count=2)


def _top_from_overview(overview) -> tuple:
    """The current period's themes as the review read them from the whole overview before."""
    lines = sorted(
        (
            (row.theme.name, row.periods[-1].comments, row.periods[-1].share, row.periods[-1].average)
            for row in overview.rows
            if row.periods[-1].comments
        ),
        key=lambda t: (-t[1], t[0]),
    )
    return tuple(lines[:3])


def test_top_themes_are_the_overviews_current_rows_and_read_nothing_more_without_themes(
    finance, django_assert_num_queries
):
    """feedback.top_themes reads what a review shows of service_theme_overviews: the same names,
    counts, shares and averages; with no active theme, one query and no theme."""
    from feedback.theme_selectors import service_theme_overviews
    from feedback.top_themes import service_top_themes
    from sla.selectors import service_time_zone

    world = finance(3)
    services = list(world["unit"].services.select_related("support_calendar").order_by("name"))
    Theme.objects.create(name="Clarity", slug="clarity", phrases="unclear")
    from feedback.services.themes import themes_rematch

    themes_rematch()
    other = Theme.objects.create(name="Old", slug="old", phrases="slow", active=False)
    for response in Response.objects.exclude(comment=""):  # an inactive theme's matches count for nothing
        ThemeMatch.objects.get_or_create(theme=other, response=response)
    as_of = NOVEMBER.bounds(service_time_zone(services[0]))[1] - timedelta(microseconds=1)  # as a review reads
    overviews = service_theme_overviews(services=services, now=as_of, period="month", count=2)
    with django_assert_num_queries(3):
        top = service_top_themes(services=services, now=as_of, period="month", limit=3)
    assert any(top.values())
    for service in services:
        expected = _top_from_overview(overviews[service.pk])
        assert tuple((t.name, t.comments, t.share, t.average) for t in top[service.pk]) == expected
    Theme.objects.update(active=False)
    with django_assert_num_queries(1):
        top = service_top_themes(services=services, now=as_of, period="month", limit=3)
    assert top == {s.pk: () for s in services}


# The overview's rows as the template loop wrote them before templatetags/review_overview.py: the
# tag must write the same HTML, to the byte.
_OVERVIEW_LOOP = """{% for row in document.overview %}
          <tr data-testid="review-overview-row"{% if row.discussed %} class="review__discussed"{% endif %}>
            <th scope="row"><a href="{{ service_review_url.0 }}{{ row.service.slug }}{{ service_review_url.1 }}">{{ row.service.name }}</a></th>
            <td>{% if row.attainment_percent is None %}<span class="muted">no tickets</span>{% else %}{{ row.attainment_percent }}% <span class="muted">({{ row.met }} of {{ row.total }})</span>{% endif %}{% for p in row.off_track %}<br><span class="badge badge--standing-off-track">P{{ p.priority }} {{ p.percent }}% &lt; {{ p.objective_percent|floatformat:"-1" }}%</span>{% endfor %}</td>
            <td class="num">{% if row.measures %}{{ row.measures_met }}/{{ row.measures }}{% else %}–{% endif %}</td>
            <td>{{ row.delivered }} / {{ row.late }}{% if row.renegotiated %} <span class="muted">({{ row.renegotiated }} renegotiated)</span>{% endif %}</td>
            <td>{% if row.csat.value is None %}–{% else %}{{ row.csat.value|floatformat:"0" }}{% endif %} / {% if row.nps.value is None %}–{% else %}{{ row.nps.value|floatformat:"0" }}{% endif %} <span class="muted">({{ row.feedback.responses }} response{{ row.feedback.responses|pluralize }})</span></td>
            <td>{% if row.flagged %}<strong>Yes</strong>{% else %}–{% endif %}</td>
            <td>{% if row.discussed %}<a href="#service-{{ row.service.pk }}">In full below</a>: {{ row.reasons|join:"; " }}{% else %}<span class="muted">Met everything</span>{% endif %}</td>
          </tr>
        {% endfor %}"""  # noqa: E501


def sample_overview() -> tuple:
    """Overview rows of every kind: escaping, fancy quotes, off-track priorities, no objective,
    a flagged watermelon, no scores, renegotiations, open actions."""
    from feedback import scores
    from feedback.experience import watermelon as melon
    from portal.reviews.document import ServiceRow
    from portal.reviews.outcomes import PriorityAttainment

    def feedback(responses, csat, nps):
        def ranked(kind, value):
            return SimpleNamespace(score=scores.Score(kind, value, None, None, responses, value is not None, ""))

        return SimpleNamespace(responses=responses, scores={"csat": ranked("csat", csat), "nps": ranked("nps", nps)})

    flagged = melon.Watermelon(1, NOW, NOW, melon.GREEN, melon.RED, melon.UNKNOWN, ("SLA green", "CSAT red"))
    quiet = melon.Watermelon(1, NOW, NOW, melon.UNKNOWN, melon.UNKNOWN, melon.UNKNOWN, ())
    service = SimpleNamespace
    rows = (
        ServiceRow(service(pk=1, slug="a", name="Pay & <roll>"), (), 0, 0, 0, 0, 0, 0, feedback(0, None, None), quiet),
        ServiceRow(
            service(pk=22, slug="b-2", name="Mail “quoted”"),
            (PriorityAttainment(1, 9, 3, 95.0), PriorityAttainment(2, 10, 0, 90.5), PriorityAttainment(3, 1, 1, None)),
            2,
            1,
            3,
            1,
            2,
            1,
            feedback(1, 66.66666, -12.5),
            flagged,
            2,
        ),
        ServiceRow(
            service(pk=3, slug="c", name="Laptops"),
            (PriorityAttainment(2, 1000, 1, 99.0),),
            4,
            0,
            4,
            3,
            0,
            0,
            feedback(12, 100.0, 0.0),
            None,
        ),
    )
    return rows


def test_the_overview_rows_written_in_python_are_the_template_loops_to_the_byte():
    from django.template import Context, Template

    rows = sample_overview()
    context = {
        "document": SimpleNamespace(overview=rows),
        "service_review_url": ["/services/", "/reviews/2026-11/?x=1&y=2"],
    }
    loop = Template(_OVERVIEW_LOOP).render(Context(context))
    tag = Template("{% load review_overview %}{% review_overview_rows document.overview service_review_url %}")
    assert tag.render(Context(context)) == loop
    assert "Pay &amp; &lt;roll&gt;" in loop and "<strong>Yes</strong>" in loop and "renegotiated" in loop
