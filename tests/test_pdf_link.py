"""The home page's link to the PDF briefing book: rendered only when the build names the
PDF, with a name that stays beside the home page.  (The build that prints it and fills in
the page count: tests/browser/test_pdf.py.)"""

from __future__ import annotations

import pytest

from briefbook.book import produce
from briefbook.pdf import PdfError, pdf_name
from tests.conftest import FIXTURES

LINK = ('<p class="bb-download"><a href="the-book.pdf" type="application/pdf">Download the '
        "briefing book (PDF)</a></p>")


def test_the_home_section_links_to_the_pdf_only_when_one_is_printed() -> None:
    root = FIXTURES / "minimal"
    assert LINK in produce(root, pdf="the-book.pdf").home
    assert "Download the briefing book" not in produce(root).home


@pytest.mark.parametrize("name", ["book.pdf", "Briefing_book-2021.v2.pdf"])
def test_plain_pdf_names_are_accepted(name: str) -> None:
    assert pdf_name(name) == name


@pytest.mark.parametrize("name", ["../book.pdf", "out/book.pdf", "/tmp/book.pdf", "book",
                                  "book.pdf.html", ".pdf", "book..pdf", 'a".pdf', "a b.pdf",
                                  "-book.pdf"])
def test_a_name_that_could_leave_the_site_or_break_the_link_is_refused(name: str) -> None:
    with pytest.raises(PdfError, match=r"is not a plain file name ending in \.pdf"):
        pdf_name(name)
