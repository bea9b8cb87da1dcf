"""The reader's views: the "at a glance" card, short source labels, dates in words, event
classes, and the archived text rendered as a document (issue 10)."""

from __future__ import annotations

import re

import pytest
import yaml
from bs4 import BeautifulSoup, Tag

from briefbook import model, views
from briefbook.pipeline import Checked, check
from briefbook.quotes import Span
from briefbook.render import Citer, document_html
from tests.conftest import REPO

ERBIL = "2021-02-15-erbil-rocket-attack"
JINSA = "jinsa-2021-02-rocket-attacks-continue"


@pytest.fixture(scope="module")
def book() -> Checked:
    checked = check(REPO)
    assert not checked.errors
    return checked


def glance_of(book: Checked, event_id: str) -> views.Glance:
    return views.glance(book.index, book.index.events[event_id])


def test_the_erbil_card_gives_each_figure_as_a_range_and_flags_the_disagreement(
        book: Checked) -> None:
    figures = {f.name: f for f in glance_of(book, ERBIL).figures}
    assert (figures["killed"].span, figures["killed"].disputed) == ("1–2", True)
    assert (figures["wounded"].span, figures["wounded"].disputed) == ("9", False)
    # "about 14" and 14 are one figure, but the qualifier is not dropped.
    assert (figures["rockets"].span, figures["rockets"].disputed) == ("14", False)
    assert figures["rockets"].qualified == ("about 14",)


def test_actors_one_passage_blames_are_grouped_under_one_quote(book: Checked) -> None:
    lines = {line.status: line for line in glance_of(book, ERBIL).attribution}
    assert list(lines) == ["claimed", "assessed"]
    (claim,) = lines["claimed"].groups
    assert claim.own_account and [b.actor.id for b in claim.actors] == ["saraya-awliya-al-dam"]
    militias = [g for g in lines["assessed"].groups if g.confidence == "moderate"]
    assert len(militias) == 1, "one JINSA quote, not one per militia"
    assert [b.actor.id for b in militias[0].actors] == [
        "kataib-hezbollah", "asaib-ahl-al-haq", "harakat-hezbollah-al-nujaba"]
    # The card's line: by whom, how confidently, of whom (quotes set aside).
    says = {(w.by.id, w.confidence): [a.id for a in w.actors] for w in lines["assessed"].says}
    assert says[("jinsa", "moderate")] == [
        "kataib-hezbollah", "asaib-ahl-al-haq", "harakat-hezbollah-al-nujaba"]
    assert says[("jinsa", "high")] == ["iran", "iran-backed-militias"]


def test_no_one_is_carried_out_by_on_a_claim_or_an_assessment_alone(book: Checked) -> None:
    checked = 0
    for event in book.index.book.events:
        card = glance_of(book, event.id)
        for actor in card.carried_out_by:
            if event.type in model.RESPONSIBILITY_TYPES:
                statuses = {a.status for a in event.attribution if a.actor.id == actor.id}
                assert "officially attributed" in statuses, (event.id, actor.id, statuses)
                checked += 1
    assert checked, "some event is carried out by an officially attributed actor"


def test_an_official_attribution_and_a_statement_name_who_acted(book: Checked) -> None:
    houthi = glance_of(book, "2019-12-houthi-drone-boat-attack-attempts")
    assert [a.id for a in houthi.carried_out_by] == ["houthis"]
    statement = glance_of(book, "2020-03-12-kataib-hezbollah-statement-praises-attackers")
    assert [a.id for a in statement.carried_out_by] == ["kataib-hezbollah"]
    assert statement.event_class == "statement"


def test_the_card_links_confidence_words_to_the_note_that_defines_them(book: Checked) -> None:
    definitions = glance_of(book, ERBIL).definitions
    assert definitions is not None and definitions.id == "methodology"
    assert dict(definitions.estimative_language)["likely"] == "moderate"


def test_the_card_names_what_answered_the_attack_with_the_lag(book: Checked) -> None:
    answered = {lagged.event.id: lagged.days for lagged in glance_of(book, ERBIL).answered_by}
    assert answered["2021-02-25-us-strikes-militia-facilities-in-syria"] == (10, 10)


def test_figure_grid_has_one_row_per_passage(book: Checked) -> None:
    grid = glance_of(book, ERBIL).grid
    assert grid.names == ("rockets", "killed", "wounded")
    assert [str(f) if f else None for f in grid.rows[0].figures] == [
        "about 14", "reportedly 2", None]
    assert len(grid.rows) == 4


@pytest.mark.parametrize(("source_id", "label"), [
    (JINSA, "JINSA memo, Feb 2021"),
    ("fp-2021-03-blame-iran", "Foreign Policy article, Mar 2021"),
    ("rabbit-hole-2020-03-iran-militia", "Rabbit Hole newsletter, Mar 2020"),
    ("soufan-2020-06-22-renewed-attacks", "Soufan Center brief, Jun 2020"),
    ("soufan-2021-03-09-cycle-of-attacks", "Soufan Center brief, Mar 2021"),
])
def test_short_source_labels(book: Checked, source_id: str, label: str) -> None:
    assert views.source_label(book.index.sources[source_id]) == label


def test_every_shipped_source_has_its_own_label(book: Checked) -> None:
    labels = [views.source_label(s) for s in book.index.book.sources]
    assert len(set(labels)) == len(labels)


def test_a_tooltip_gives_the_full_title_and_words_an_uncertain_date(book: Checked) -> None:
    tooltip = views.source_tooltip(book.index.sources[JINSA])
    assert tooltip.startswith("Without U.S. Response, Rocket Attacks Continue (JINSA's")
    assert "probably 22–25 Feb 2021" in tooltip and "?" not in tooltip


def test_dates_in_words_never_end_in_a_bare_question_mark(book: Checked) -> None:
    for event in book.index.book.events:
        words = views.short_date(event.date)
        assert "?" not in words, (event.id, words)
        if event.date.uncertain:
            assert words.startswith("probably "), words
        if event.date.approximate:
            assert "about " in words and "c. " not in words, words


def test_every_page_marks_an_event_by_the_one_rule(book: Checked) -> None:
    """The card, the listings, the timeline and the pictures tell an event's class by one
    rule: a U.S. strike is a response; a statement or a closed consulate answering an attack
    is not (it stays a statement, a diplomatic move)."""
    index = book.index
    events = index.events
    assert views.event_class(index, events[ERBIL]) == "attack"
    assert views.event_class(
        index, events["2021-02-25-us-strikes-militia-facilities-in-syria"]) == "response"
    assert views.event_class(
        index, events["2020-06-11-us-iraq-strategic-dialogue"]) == "diplomacy"
    assert views.event_class(
        index, events["2021-03-03-kirby-says-us-will-not-shy-away"]) == "statement"
    timeline = views.timeline(index)
    marks = {i.event.id: i.mark for y in (*timeline.background, *timeline.foreground)
             for m in y.months for i in m.items}
    assert marks == {e.id: views.event_class(index, e) for e in index.book.events}
    assert glance_of(book, ERBIL).event_class == "attack"


def test_search_tags_are_a_records_words_once_and_its_one_word_names_twice() -> None:
    """Material's search adds up word counts in the tags: the embassy, with "Baghdad" in
    two of its names, must not outweigh the place that is Baghdad."""
    assert views.search_words(["U.S. Embassy in Baghdad", "U.S. embassy in Baghdad"]) == (
        "U.S.", "Embassy", "in", "Baghdad")
    assert views.search_words(["Baghdad"]) == ("Baghdad", "Baghdad")
    # Split as the search splits (mkdocs.yml's separator): "Iraq's" holds the word "Iraq".
    assert views.search_words(["officials in Iraq's Kurdish region", "(IRGC)"]) == (
        "officials", "in", "Iraq", "s", "Kurdish", "region", "IRGC", "IRGC")


def test_the_search_splits_words_where_the_tags_were_split() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    search = next(p["search"] for p in config["plugins"] if isinstance(p, dict) and "search" in p)
    assert search["separator"] == views.SEARCH_SEPARATOR.pattern


# --- the archived text as a document -----------------------------------------------------


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def one(doc: Tag, selector: str) -> Tag:
    found = doc.select_one(selector)
    assert found is not None, selector
    return found


def test_the_archive_reads_as_its_formatting_says() -> None:
    text = ("# Key Takeaways\n"
            "Blaise Misztal - *Vice President for Policy* and **bold**\n"
            "- One [killing two](#) here\n"
            " - nested item\n"
            "- back out\n"
            "Plain paragraph")
    doc = soup(document_html(text, [], []))
    assert one(doc, "h2").get_text() == "Key Takeaways"
    assert one(doc, "em").get_text() == "Vice President for Policy"
    assert one(doc, "strong").get_text() == "bold"
    outer = one(doc, "ul")
    assert [li.get_text(" ", strip=True).split(" nested")[0]
            for li in outer.find_all("li", recursive=False)] == ["One killing two here",
                                                                 "back out"]
    assert one(outer, "ul").get_text(strip=True) == "nested item"
    assert "[" not in doc.get_text() and "](#)" not in doc.get_text()
    assert "*" not in doc.get_text() and "#" not in doc.get_text()
    assert doc.find_all("p")[-1].get_text() == "Plain paragraph"


def test_a_cited_passage_keeps_its_anchor_mark_and_names_who_cites_it() -> None:
    text = "Before [killing two](#) after."
    start = text.index("[killing")
    end = text.index(") after") + 1
    html = document_html(text, [(Span(start, end), "q-7-23")], [],
                         {"q-7-23": [Citer("Rocket <attack> on Erbil", "../../events/x.md")]})
    doc = soup(html)
    assert doc.find(id="q-7-23") is not None
    assert one(doc, "mark.bb-cited").get_text() == "killing two"
    link = one(doc, '.bb-citers a[href="../../events/x.md"]')
    assert link.get_text() == "Rocket <attack> on Erbil"
    assert "<attack>" not in html, "a record's title is escaped"


def test_hostile_archive_text_stays_text() -> None:
    text = ('# <script>alert(1)</script>\n- [<img src=x onerror=alert(1)>](javascript:alert(1))\n'
            '*<b onclick="x()">hi</b>*')
    html = document_html(text, [], [])
    doc = soup(html)
    assert not doc.find_all(["script", "img", "b"])
    assert "javascript:" not in html and "<script" not in html
    assert "alert(1)" in doc.get_text()


def test_the_shipped_jinsa_page_renders_the_memo_as_a_document(book: Checked) -> None:
    from briefbook.render import Renderer
    source = book.index.sources[JINSA]
    before = source.text
    html = Renderer(REPO, book.index).archive_html(source)
    doc = soup(html)
    assert source.text == before
    assert "[killing two](#)" not in doc.get_text() and "killing two" in doc.get_text()
    assert "*Vice President for Policy*" not in doc.get_text()
    assert doc.find("em", string="Vice President for Policy")
    assert len(doc.select("ul li")) > 10
    # Every cited passage is still anchored.
    cited = {c.quoted.anchor for c in book.index.cited_by[JINSA]}
    assert cited <= {a["id"] for a in doc.select("span.bb-anchor")}
    erbil = [a for a in doc.select(".bb-citers a")
             if re.search(r"erbil-rocket-attack", str(a["href"]))]
    assert erbil and erbil[0].get_text() == "Rocket attack on the U.S. base in Erbil"


def test_actor_and_place_pages_carry_every_name_as_search_tags(book: Checked) -> None:
    from briefbook.render import Renderer
    pages = {p.path: p for p in Renderer(REPO, book.index).render_all()}
    actor = book.index.actors["kataib-hezbollah"]
    place = book.index.places["erbil-air-base"]
    for path, names in [("actors/kataib-hezbollah.md", [actor.name, *actor.aliases]),
                        ("places/erbil-air-base.md", [place.name, *place.aliases])]:
        text = pages[path].text
        assert text.startswith("---\n")
        meta = yaml.safe_load(text.split("---\n")[1])
        assert meta["tags"] == list(views.search_words(names)) and meta["search"]["boost"] > 1
        assert {w.casefold() for n in names for w in views.SEARCH_SEPARATOR.split(n) if w} == {
            t.casefold() for t in meta["tags"]}
        assert "tags" in meta["hide"] and "navigation" in meta["hide"]


def test_hostile_names_stay_one_yaml_string_each() -> None:
    import jinja2
    names = ['A "quoted" name', "Kata'ib \\ back", "line\nbreak: [x]", "# not a comment"]
    rendered = jinja2.Environment().from_string(
        'tags: [{% for n in names %}{{ n|tojson }}{{ ", " if not loop.last }}{% endfor %}]'
    ).render(names=names)
    assert yaml.safe_load(rendered) == {"tags": names}
