"""A form posted from an object's page and written through a service (a commitment's check-in, a
follow-up's call): what happens after, the same for every such form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from portal.forms import add_validation_error


def write_posted_form(
    request,
    form: forms.Form,
    *,
    valid: bool,
    write: Callable[[dict], Any],
    success: Callable[[Any], str],
    page: str,
    page_again: Callable[[], Any],
):
    """`form` is bound and `valid` is its is_valid() (the caller decides in which time zone).
    Write its values that are not None through `write`, then back to `page` (the object's URL)
    with the message `success(what write returned)`. On a problem nothing is written, and
    `page_again()` shows the page with the form's errors."""
    if valid:
        data = {name: value for name, value in form.cleaned_data.items() if value is not None}
        try:
            done = write(data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # the object moved on meanwhile: its forms are gone from its page
                for message in error.messages:
                    messages.error(request, message)
                return redirect(page)
            add_validation_error(form, error)
        else:
            messages.success(request, success(done))
            return redirect(page)
    return page_again()
