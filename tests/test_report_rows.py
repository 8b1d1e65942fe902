"""A table's body rows, written in one pass, are the markup the template loop wrote."""

from __future__ import annotations

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp.reports.templating import _html_rows

# The loop document.html.j2 had before the rows were written in Python.
LOOP = jinja2.Environment(
    autoescape=True,
    finalize=lambda v: "" if v is None else v,
    trim_blocks=True,
    lstrip_blocks=True,
).from_string(
    '{% for row in rows %}<tr{% if row_classes and row_classes[loop.index0] %} class="'
    '{{ row_classes[loop.index0] }}"{% endif %}>{% for cell in row %}{% if loop.first %}'
    '<th scope="row">{{ cell }}</th>{% else %}<td>{{ cell }}</td>{% endif %}{% endfor %}</tr>\n'
    "{% endfor %}"
)
CELLS = st.sampled_from(["a", "<b>", "&amp;", '"', "'", "x\x00y", "", None, "—", "Child A"])


@st.composite
def tables(draw):
    width = draw(st.integers(0, 5))
    ragged = draw(st.booleans())
    rows = draw(
        st.lists(
            st.lists(CELLS, min_size=0 if ragged else width, max_size=5 if ragged else width),
            max_size=6,
        )
    )
    classes = draw(st.lists(st.sampled_from(["", "kpe", 'a"<b']), max_size=len(rows)))
    return tuple(map(tuple, rows)), tuple(classes)


@settings(max_examples=400, deadline=None)
@given(tables())
def test_the_same_markup_as_the_template_loop(table):
    rows, classes = table
    padded = classes + ("",) * (len(rows) - len(classes))
    assert LOOP.render(rows=rows, row_classes=padded).rstrip("\n") == str(_html_rows(rows, classes))


def test_cells_are_escaped_once():
    html = str(_html_rows((("<C1>", "a & b"),), ("kpe",)))
    assert '<tr class="kpe"><th scope="row">&lt;C1&gt;</th><td>a &amp; b</td></tr>' == html
