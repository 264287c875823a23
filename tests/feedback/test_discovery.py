"""Discovering recurring topics among comments no theme caught: the text work on a fixed set of
comments with three obvious topics (and a few one-offs), its determinism, and the runs that store
topics per service and across the catalogue."""

import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from feedback.discovery import Topic, comment_terms, discover_topics
from feedback.models import DiscoveredTopic, Response, Theme
from feedback.services.discovery import _store, topics_discover, topics_min_size
from feedback.services.themes import themes_rematch
from feedback.theme_tasks import discover_themes
from tests import factories as f

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

PASSWORDS = [
    "The password reset link never arrived in my inbox.",
    "I had to wait two days for a password reset.",
    "Password reset took far too long, I was locked out all morning.",
    "Resetting my password should not need a phone call.",
    "The password reset page kept saying my token was invalid.",
    "After the password reset my account was still locked.",
    "Locked out again, the password reset process is confusing.",
    "Please make the password reset self service.",
    "My password expired while I was on leave and the reset failed.",
    "Password reset worked but the new password was rejected.",
    "Nobody told me the password reset rules, it kept failing.",
    "Password reset emails go to spam.",
    "The account was locked and the password reset form timed out.",
    "Why does a password reset need a manager's approval?",
    "Password reset was quick this time, thank you.",
    "Second password reset this month, the policy is too strict.",
    "The password reset code expired before it arrived.",
    "I could not reset my password from home.",
    "Password reset help from the desk was friendly.",
    "The password reset wizard does not work on my phone.",
]
VPN = [
    "The VPN connection drops every hour.",
    "VPN keeps disconnecting when I work from home.",
    "I cannot connect to the VPN from the hotel wifi.",
    "The VPN client crashed after the update.",
    "VPN disconnects during video calls.",
    "Working from home is hard when the VPN connection drops.",
    "The VPN is very slow in the afternoon.",
    "VPN login fails with a certificate error.",
    "Each morning the VPN client asks me to connect twice.",
    "The VPN connection dropped three times during my presentation.",
    "Remote access through the VPN is unreliable.",
    "VPN drops whenever my laptop goes to sleep.",
    "The new VPN client is much better, no disconnects.",
    "VPN connection is slow and file shares time out.",
    "I was told to reinstall the VPN client, it still disconnects.",
    "The VPN does not connect on the guest network.",
    "VPN timeouts make remote work painful.",
    "Connection to the VPN fails after the password change.",
    "VPN keeps dropping on my home broadband.",
    "The VPN client needs a restart every day.",
]
PRINTERS = [
    "The printer on the third floor is jammed again.",
    "Printer ran out of toner and nobody replaced it.",
    "The office printer keeps jamming on double sided printing.",
    "Toner for the printer took a week to arrive.",
    "The printer queue lost my print job.",
    "Printing from my laptop to the office printer does not work.",
    "Paper jam in the printer every morning.",
    "The colour printer prints streaks, the toner must be low.",
    "The printer driver install failed on my laptop.",
    "Printer in the meeting room is offline.",
    "Our printer jams whenever we print labels.",
    "The printer was fixed quickly, thanks.",
    "New toner cartridge and the printer still prints blank pages.",
    "The print queue on the printer is stuck.",
    "The printer scans but will not print.",
    "Printer toner replaced, but the paper tray is broken.",
    "The printer needs a technician, it jams constantly.",
    "Cannot find the printer on the network.",
    "The big printer by reception is out of toner.",
    "Printer jammed and ate my contract.",
]
NOISE = [
    "Great service overall.",
    "The engineer was polite and helpful.",
    "Took longer than expected.",
    "Not sure who to contact for software licences.",
    "Keep up the good work.",
]

COMMENTS = list(enumerate(PASSWORDS + VPN + PRINTERS + NOISE, start=1))
GROUPS = {
    "password": set(range(1, 21)),
    "vpn": set(range(21, 41)),
    "printer": set(range(41, 61)),
}


@pytest.fixture(scope="module")
def topics():
    return discover_topics(COMMENTS)


def group_of(topic):
    """The group all of a topic's comments come from (None if they are mixed)."""
    groups = {name for name, ids in GROUPS.items() if set(topic.members) <= ids}
    return groups.pop() if len(groups) == 1 else None


# --- Terms ---------------------------------------------------------------------------------------


def test_terms_are_words_and_adjacent_pairs_without_stop_words_numbers_or_short_words():
    assert comment_terms("The password reset link, ticket 4711, never arrived!") == [
        "password",
        "reset",
        "link",
        "ticket",
        "arrived",
        "password reset",
        "reset link",
    ]
    # A stop word between two words breaks the phrase; accents and case do not matter.
    assert comment_terms("Locked out of my PASSWORD. Café ok") == ["locked", "password", "cafe"]


# --- The three topics ------------------------------------------------------------------------------


def test_discovery_finds_the_three_topics_and_leaves_the_one_offs_out(topics):
    assert sorted(group_of(topic) for topic in topics) == ["password", "printer", "vpn"]
    for topic in topics:
        assert topic.size == 20  # every comment of its group, and only those
        assert topic.members == tuple(dict.fromkeys(topic.members))
        assert len(topic.terms) <= 8 and topic.label == ", ".join(topic.terms[:3])
    labels = {group_of(topic): topic.label for topic in topics}
    assert labels["password"].startswith("password reset")
    assert labels["vpn"].startswith("vpn")
    assert labels["printer"].startswith("printer")
    noise = {pk for pk, _ in COMMENTS[60:]}
    assert not noise & {pk for topic in topics for pk in topic.members}


def test_a_topics_terms_and_label_are_its_most_distinctive_and_a_phrase_stands_for_its_words(topics):
    password = next(topic for topic in topics if group_of(topic) == "password")
    assert password.terms[0] == "password reset"
    assert "password" not in password.terms and "reset" not in password.terms
    assert "locked" in password.terms


def test_discovery_is_deterministic_whatever_the_order_of_the_comments(topics):
    shuffled = COMMENTS[:]
    random.Random(7).shuffle(shuffled)
    assert discover_topics(shuffled) == topics


def test_a_topic_needs_at_least_min_size_comments():
    few = [(pk, text) for pk, text in COMMENTS if pk in GROUPS["password"] or pk in {21, 22, 23, 41, 42}]
    topics = discover_topics(few, min_size=5)
    assert [group_of(topic) for topic in topics] == ["password"]
    assert discover_topics(COMMENTS, min_size=21) == []


@pytest.mark.parametrize(
    "comments",
    [
        [],
        [(1, "slow"), (2, "slow")],
        [(n, f"unique{chr(97 + n)}word") for n in range(20)],  # nothing recurs
        [(n, "") for n in range(20)],
        [(n, "the of and 42") for n in range(20)],  # stop words and numbers only
    ],
)
def test_too_little_to_go_on_finds_nothing(comments):
    assert discover_topics(comments) == []


def test_min_size_below_two_is_refused():
    with pytest.raises(ValueError, match="min_size"):
        discover_topics(COMMENTS, min_size=1)


# --- Runs that store topics --------------------------------------------------------------------------


@pytest.fixture
def payroll_and_vpn(db):
    """Payroll gets the password and printer comments, the VPN service the VPN ones; one-offs on both."""
    payroll = f.ServiceFactory(name="Payroll", slug="payroll")
    vpn = f.ServiceFactory(name="VPN", slug="vpn")
    when = NOW - timedelta(days=30)
    Response.objects.bulk_create(
        Response(
            service=vpn if pk in GROUPS["vpn"] or pk > 62 else payroll,
            submitted_at=when,
            comment=text,
            csat=2 if pk in GROUPS["printer"] else 4,
        )
        for pk, text in COMMENTS
    )
    return payroll, vpn


def stored():
    return {
        (topic.service.slug if topic.service else None, topic.terms[0], topic.size)
        for topic in DiscoveredTopic.objects.select_related("service")
    }


def test_a_run_stores_topics_per_service_and_across_the_catalogue(payroll_and_vpn):
    result = topics_discover(now=NOW)
    assert (result.comments, result.services, result.topics, result.service_topics) == (65, 2, 3, 4)
    assert stored() == {
        (None, "password reset", 20),
        (None, "vpn", 20),
        (None, "printer", 20),
        ("payroll", "password reset", 20),
        ("payroll", "printer", 20),
        # Among a service's comments that all speak of the VPN, the finer topics show.
        ("vpn", "vpn client", 14),
        ("vpn", "vpn connection", 6),
    }
    printer = DiscoveredTopic.objects.get(service__slug="payroll", terms__0="printer")
    assert printer.average_score == 25.0  # CSAT 2 each
    assert printer.discovered_at == NOW
    assert {r.comment for r in printer.responses.all()} == set(PRINTERS)


def test_comments_a_theme_caught_are_left_out_and_a_new_run_replaces_the_last(payroll_and_vpn):
    topics_discover(now=NOW)
    Theme.objects.create(name="Printing", slug="printing", phrases="printer\nprint\ntoner")
    themes_rematch()
    result = topics_discover(now=NOW + timedelta(days=1))
    assert result.comments == 45
    assert all(terms != "printer" for _, terms, _ in stored())
    assert not DiscoveredTopic.objects.filter(discovered_at=NOW).exists()
    assert DiscoveredTopic.objects.count() == 5  # password and VPN across the catalogue; 1 + 2 per service


def test_old_comments_are_left_out(payroll_and_vpn):
    result = topics_discover(now=NOW + timedelta(days=400))
    assert (result.comments, result.topics) == (0, 0)
    assert not DiscoveredTopic.objects.exists()


def test_a_topic_must_recur_more_among_more_comments():
    assert topics_min_size(60) == 5
    assert topics_min_size(30000) == 150


def test_the_nightly_task_and_the_command_run_discovery(payroll_and_vpn, capsys):
    discover_themes.delay()  # eager in tests
    assert DiscoveredTopic.objects.count() == 7
    call_command("discover_themes", "--days", "400", "--rematch")
    out = capsys.readouterr().out
    assert "Read 65 comments no theme caught (last 400 days)" in out
    assert "3 topics across the catalogue, 4 topics of 2 services" in out


@pytest.mark.parametrize(("args", "message"), [(["--days", "0"], "--days"), (["--min-size", "1"], "--min-size")])
def test_the_command_refuses_bad_options(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("discover_themes", *args)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_storing_at_once_leave_one_runs_topics():
    """The first run's transaction is held open after storing; the second queues on the lock
    instead of adding its topics beside the first's, then replaces them."""
    service = f.ServiceFactory(name="Payroll", slug="payroll")
    responses = Response.objects.bulk_create(
        Response(service=service, submitted_at=NOW, comment=f"printer jam {n}", csat=2) for n in range(5)
    )
    found = [(None, Topic(label="printer, jam", terms=("printer", "jam"), members=tuple(r.pk for r in responses)))]
    stored_first = threading.Event()

    def first():
        try:
            with transaction.atomic():
                _store(found, now=NOW)
                stored_first.set()
                time.sleep(1.0)  # the second run starts meanwhile
        finally:
            connection.close()

    def second():
        try:
            stored_first.wait(timeout=20)
            _store(found, now=NOW + timedelta(hours=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    assert list(DiscoveredTopic.objects.values_list("discovered_at", "size")) == [(NOW + timedelta(hours=1), 5)]
    assert DiscoveredTopic.responses.through.objects.count() == 5
