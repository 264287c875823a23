"""Comment themes from the taxonomy (admin-edited phrases)."""

from __future__ import annotations

import re
from collections.abc import Iterable

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
