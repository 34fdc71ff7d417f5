"""Property tests of the text handling every inbound message goes through."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from channels_app.adapters.email_content import html_to_text, strip_quoted
from channels_app.services.inbound import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, sms_keyword

words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=12)


@given(st.sampled_from(sorted(OPT_OUT_KEYWORDS)), st.sampled_from(["", " ", "\n", "."]), st.booleans())
def test_opt_out_keyword_alone_in_any_case_opts_out(word, pad, lower):
    assert sms_keyword(pad + (word.lower() if lower else word.title()) + pad) == "opted_out"


@given(st.sampled_from(sorted(OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS)), words)
def test_a_keyword_followed_by_other_words_is_no_keyword(word, other):
    assert sms_keyword(f"{word} {other}") is None


@given(st.text(max_size=300))
def test_html_to_text_never_fails_and_leaves_no_tags(html):
    text = html_to_text(f"<div><p>{html.replace('<', '').replace('>', '')}</p><script>var x = '<b>';</script></div>")
    assert "<p>" not in text and "var x" not in text


@given(st.text(min_size=1, max_size=300).filter(lambda t: t.strip()))
def test_strip_quoted_keeps_something_of_a_non_empty_message(text):
    assert strip_quoted(text).strip()


def test_strip_quoted_cuts_at_the_quote_header():
    body = "Yes please.\n\nLe dim. 23 nov. 2026 à 10:00, Shop <s@shop.example> a écrit :\n> Do you want it?"
    assert strip_quoted(body) == "Yes please."
