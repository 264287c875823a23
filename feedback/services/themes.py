"""Comment themes from the taxonomy (admin-edited phrases): a new response's comment is matched
when it is recorded; after the taxonomy changes, `themes_rematch` matches every comment again."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from feedback.models import Response, Theme, ThemeMatch


def theme_phrase_in(comment: str, phrase: str) -> bool:
    """Whole words in any case: 'slow' matches 'Slow response' and 'too slow!', not 'slowly'."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", comment, flags=re.IGNORECASE) is not None


def themes_for_comment(comment: str, themes: Iterable[Theme]) -> list[tuple[Theme, str]]:
    """Each theme with the first of its phrases found in the comment."""
    found = []
    for theme in themes:
        for phrase in theme.phrase_list:
            if theme_phrase_in(comment, phrase):
                found.append((theme, phrase))
                break
    return found


def themes_match_response(*, response: Response, themes: Iterable[Theme] | None = None) -> list[ThemeMatch]:
    """(Re)write the themes of one response's comment."""
    ThemeMatch.objects.filter(response=response).delete()
    if not response.comment.strip():
        return []
    themes = list(Theme.objects.filter(active=True)) if themes is None else themes
    return ThemeMatch.objects.bulk_create(
        ThemeMatch(response=response, theme=theme, phrase=phrase)
        for theme, phrase in themes_for_comment(response.comment, themes)
    )


# --- After a taxonomy change -------------------------------------------------------------------

REMATCH_BATCH = 500


@dataclass(frozen=True)
class RematchResult:
    comments: int  # comments read
    matches: int  # theme matches they now have (of the theme rematched, or of all themes)


def themes_rematch(*, theme: Theme | None = None, batch_size: int = REMATCH_BATCH) -> RematchResult:
    """Every comment's themes again after the taxonomy changed: of `theme` only (its phrases were
    edited, it was switched on or off), or of all themes when None.

    Comments are read in batches by id; each batch's matches are replaced in one transaction, so
    a page read meanwhile sees each comment either before or after, and a run that stops half-way
    leaves whole batches and is finished by running it again. Idempotent: two runs at once, or a
    response recorded meanwhile (matched by `themes_match_response`), end with the same matches.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if theme is not None:
        theme = Theme.objects.filter(pk=theme.pk).first()
        if theme is None:  # deleted meanwhile: its matches went with it
            return RematchResult(comments=0, matches=0)
        themes = [theme] if theme.active else []
    else:
        themes = list(Theme.objects.filter(active=True))
    commented = Response.objects.exclude(comment="").order_by("pk")
    comments = matches = 0
    last = 0
    while True:
        batch = list(commented.filter(pk__gt=last).values_list("pk", "comment")[:batch_size])
        if not batch:
            break
        last = batch[-1][0]
        found = [
            ThemeMatch(response_id=pk, theme=one, phrase=phrase)
            for pk, comment in batch
            for one, phrase in themes_for_comment(comment, themes)
        ]
        stale = ThemeMatch.objects.filter(response_id__in=[pk for pk, _ in batch])
        if theme is not None:
            stale = stale.filter(theme=theme)
        with transaction.atomic():
            stale.delete()
            ThemeMatch.objects.bulk_create(found, ignore_conflicts=True)
        comments += len(batch)
        matches += len(found)
    if theme is None:
        # Comments emptied since, and inactive themes: no match should be left.
        ThemeMatch.objects.filter(Q(response__comment="") | Q(theme__active=False)).delete()
    return RematchResult(comments=comments, matches=matches)
