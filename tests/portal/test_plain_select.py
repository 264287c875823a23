"""PlainSelect writes the markup Django's Select writes through its templates."""

import re

from django import forms

from portal.widgets import PlainSelect

CHOICES = [
    ("", "---------"),
    (1, 'Payroll & "pensions" <HR>'),
    ("Finance", [(2, "Ledger"), (3, "Expenses")]),
    (4, "Café rota"),
]


def _tight(html: str) -> str:
    """Django's templates put line breaks and indentation between tags; nothing else differs."""
    return re.sub(r">\s+<", "><", str(html)).strip()


def _both(value, attrs=None):
    django = forms.Select(choices=CHOICES).render("service", value, attrs=attrs)
    plain = PlainSelect(choices=CHOICES).render("service", value, attrs=attrs)
    return _tight(django), _tight(plain)


def test_same_markup_as_django_select_nothing_chosen():
    django, plain = _both(None, attrs={"id": "id_service", "required": True, "aria-describedby": "id_service_help"})
    assert plain == django
    assert 'aria-describedby="id_service_help"' in plain
    assert "&amp; &quot;pensions&quot; &lt;HR&gt;" in plain


def test_same_markup_as_django_select_with_a_choice_in_a_group():
    django, plain = _both(3, attrs={"id": "id_service"})
    assert plain == django
    assert '<option value="3" selected>Expenses</option>' in plain
    assert '<optgroup label="Finance">' in plain


def test_model_choice_field_with_plain_select(db):
    from catalog.models import Service
    from tests.factories import ServiceFactory

    chosen = ServiceFactory(name="Payroll")
    ServiceFactory(name="Ledger")
    field = forms.ModelChoiceField(queryset=Service.objects.order_by("name"), widget=PlainSelect)
    form = type("F", (forms.Form,), {"service": field})(initial={"service": chosen.pk})
    html = str(form["service"])
    assert f'<option value="{chosen.pk}" selected>Payroll</option>' in html
    assert html.count("<option") == 3
