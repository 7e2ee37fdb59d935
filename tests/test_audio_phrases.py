"""Phrases: number reading tables, template segmentation, floors, the tokens a hall needs."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio.phrases import (
    PUNCT_GAP,
    Values,
    call_phrases,
    chinese_number,
    floor_number,
    hall_tokens,
    render,
    say_floor,
    say_number,
    say_ticket,
    ticket_words,
    valid_ticket,
)
from signage.config import load_hall
from signage.config.model import Voice

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
HALLS = [r.config for r in (load_hall(p) for p in sorted(LAYOUTS.glob("*.yaml"))) if r.config is not None]


# --- the tables of the issue ----------------------------------------------------------------

@pytest.mark.parametrize("number, zh, en", [
    ("A023", "A 零二三", "A 0 2 3"),
    ("A100", "A 一零零", "A 1 0 0"),
    ("B007", "B 零零七", "B 0 0 7"),
    ("a023", "A 零二三", "A 0 2 3"),      # typed in lower case
    ("C-012", "C 零一二", "C 0 1 2"),     # a dash is not read
])
def test_ticket_read_digit_by_digit_zeros_kept(number, zh, en):
    assert say_ticket(number, "zh-Hans") == zh
    assert say_ticket(number, "yue") == zh
    assert say_ticket(number, "en") == en
    assert "两" not in say_ticket(number, "zh-Hans")


def test_ticket_words_are_one_clip_each():
    assert ticket_words("A023", "zh-Hans") == ["A", "零", "二", "三"]
    assert ticket_words("A023", "en") == ["A", "0", "2", "3"]


@pytest.mark.parametrize("n, zh", [
    (1, "一"), (2, "二"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (21, "二十一"),
    (100, "一百"), (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (200, "二百"),
    (909, "九百零九"), (999, "九百九十九"), (1000, "一千"), (1010, "一千零一十"), (0, "零"),
])
def test_chinese_numbers(n, zh):
    assert chinese_number(n) == zh


@pytest.mark.parametrize("window, zh, en", [(1, "一", "1"), (10, "十", "10"), (12, "十二", "12"),
                                            (20, "二十", "20"), (101, "一百零一", "101")])
def test_window_numbers_read_as_numbers(window, zh, en):
    assert say_number(window, "zh-Hans") == zh
    assert say_number(window, "yue") == zh
    assert say_number(window, "en") == en


def _compact(text: str) -> str:
    return text.replace(" ", "")


@pytest.mark.parametrize("ticket, window, zh, en", [
    ("A023", 3, "请A零二三号到三号窗口办理", "Ticket A 0 2 3 please go to window 3"),
    ("A100", 1, "请A一零零号到一号窗口办理", "Ticket A 1 0 0 please go to window 1"),
    ("B007", 10, "请B零零七号到十号窗口办理", "Ticket B 0 0 7 please go to window 10"),
    ("A023", 12, "请A零二三号到十二号窗口办理", "Ticket A 0 2 3 please go to window 12"),
    ("A023", 20, "请A零二三号到二十号窗口办理", "Ticket A 0 2 3 please go to window 20"),
    ("A023", 101, "请A零二三号到一百零一号窗口办理", "Ticket A 0 2 3 please go to window 101"),
])
def test_whole_call(ticket, window, zh, en):
    zh_phrase, en_phrase = call_phrases(Voice(), "call", Values(ticket, window))
    assert (zh_phrase.lang, en_phrase.lang) == ("zh-Hans", "en")
    assert _compact(zh_phrase.text) == zh
    assert en_phrase.text == en


def test_segments_are_fixed_text_and_single_words():
    phrase = render("请 {ticket} 号到 {window} 号窗口办理", "zh-Hans", Values("A023", 12))
    assert [s.text for s in phrase.segments] == ["请", "A", "零", "二", "三", "号到", "十二", "号窗口办理"]


def test_punctuation_becomes_a_pause_not_part_of_a_clip():
    phrase = render("Ticket {ticket}, please go to window {window}.", "en", Values("A023", 3))
    texts = [s.text for s in phrase.segments]
    assert texts == ["Ticket", "A", "0", "2", "3", "please go to window", "3"]
    assert phrase.segments[4].pause == PUNCT_GAP


def test_recall_uses_its_template_and_falls_back_to_call():
    v = Voice()
    (zh, _en) = call_phrases(v, "recall", Values("A023", 3))
    assert "再次" in zh.text
    only_call = Voice(templates={"call": {"zh-Hans": "请 {ticket} 号到 {window} 号窗口", "en": "Ticket {ticket}"}})
    (zh2, _) = call_phrases(only_call, "recall", Values("A023", 3))
    assert _compact(zh2.text) == "请A零二三号到三号窗口"


def test_cantonese_where_the_hall_asks():
    v = Voice(languages=["yue"], templates={"call": {"yue": "請 {ticket} 號到 {window} 號窗口辦理"}})
    (p,) = call_phrases(v, "call", Values("A023", 12))
    assert p.lang == "yue" and _compact(p.text) == "請A零二三號到十二號窗口辦理"


# --- floors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fid, level, zh, en, yue", [
    ("1F", 1, "一楼", "floor 1", "一樓"),
    ("2F", 2, "二楼", "floor 2", "二樓"),
    ("B1", -1, "地下一层", "basement 1", "地庫一樓"),
    ("Annex", 3, "三楼", "floor 3", "三樓"),
])
def test_floor_words(fid, level, zh, en, yue):
    assert say_floor(fid, level, "zh-Hans") == zh
    assert say_floor(fid, level, "en") == en
    assert say_floor(fid, level, "yue") == yue


def test_floor_number_from_the_id_first():
    assert floor_number("12F", 3) == 12 and floor_number("B2", 0) == -2 and floor_number("G", 0) == 0


def test_floor_sentence_only_for_another_floor():
    same = call_phrases(Voice(), "call", Values("A023", 12, ("2F", 2), other_floor=False))
    other = call_phrases(Voice(), "call", Values("A023", 12, ("2F", 2), other_floor=True))
    assert "二楼" not in same[0].text
    assert _compact(other[0].text) == "请A零二三号到十二号窗口办理十二号窗口在二楼"
    assert other[1].text.endswith("Window 12 is on floor 2")


def test_hall_floor_template_and_floor_inside_the_call():
    v = Voice(templates={"call": {"zh-Hans": "请 {ticket} 号到 {floor} {window} 号窗口", "en": "Ticket {ticket}"},
                         "floor": {"zh-Hans": "请上{floor}"}})
    (zh, en) = call_phrases(v, "call", Values("A023", 5, ("3F", 3), other_floor=True))
    assert _compact(zh.text) == "请A零二三号到三楼五号窗口"  # {floor} in the call: no extra sentence
    assert en.text == "Ticket A 0 2 3 Window 5 is on floor 3"  # the default floor sentence


def test_service_name_placeholder():
    v = Voice(languages=["zh-Hans", "en"],
              templates={"call": {"zh-Hans": "请 {ticket} 号办理{service}", "en": "Ticket {ticket}, {service}"}})
    zh, en = call_phrases(v, "call", Values("A023", 3, service={"zh-Hans": "身份证办理", "en": "ID card"}))
    assert zh.segments[-1].text == "身份证办理" and en.segments[-1].text == "ID card"
    zh, en = call_phrases(v, "call", Values("A023", 3, service={"zh-Hans": "身份证办理"}))
    assert en.segments[-1].text == "身份证办理" and en.segments[-1].lang == "zh-Hans"  # said in Chinese


def test_bad_ticket_numbers_are_recognised():
    assert valid_ticket("A023") and valid_ticket("A0231")
    for bad in ["", "   ", "A 023", "号码", "A" * 13, None, 23, "<speak>"]:
        assert not valid_ticket(bad)


# --- what a hall needs: every sample hall, over every value it can produce ----------------------------

def test_there_are_sample_halls():
    assert HALLS, "no hall file in layouts/ loads"


@pytest.mark.parametrize("config", HALLS, ids=[c.hall.id for c in HALLS])
def test_hall_tokens_cover_every_call(config):
    tokens = hall_tokens(config)
    langs = set(config.voice.languages)
    assert {lang for lang, _ in tokens} >= langs
    for service in config.services:
        for w in config.windows:
            f = config.floor(w.floor)
            for other in (False, True):
                values = Values(f"{service.prefix}0123456789", w.number, (f.id, f.level), dict(service.name),
                                other and len(config.floors) > 1)
                for kind in ("call", "recall"):
                    for phrase in call_phrases(config.voice, kind, values, config.terms):
                        missing = {(s.lang, s.text) for s in phrase.segments} - tokens
                        assert not missing, f"{config.hall.id}: {missing}"


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_ticket_of_any_hall_is_covered(data):
    config = data.draw(st.sampled_from(HALLS))
    service = data.draw(st.sampled_from(config.services))
    digits = data.draw(st.text(alphabet="0123456789", min_size=config.hall.ticket_digits,
                               max_size=config.hall.ticket_digits))
    window = data.draw(st.sampled_from(config.windows))
    f = config.floor(window.floor)
    values = Values(service.prefix + digits, window.number, (f.id, f.level), dict(service.name),
                    len(config.floors) > 1)
    tokens = hall_tokens(config)
    for phrase in call_phrases(config.voice, data.draw(st.sampled_from(["call", "recall"])), values, config.terms):
        assert {(s.lang, s.text) for s in phrase.segments} <= tokens
