"""Service metrics against values worked out by hand (the arithmetic is in the comments).

z for 95% is 1.959964, so z² = 3.841459. Wilson interval of k successes in n:
centre = (p + z²/2n) / (1 + z²/n), half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from heard.feedback.metrics import (
    METRICS,
    SMALL_SAMPLE,
    ConcernMatcher,
    ConversationFacts,
    Estimate,
    ReopenStatus,
    TurnTiming,
    bootstrap_interval,
    ces,
    ces_agreement,
    content_words,
    csat,
    fcr,
    find_reopens,
    first_response_time,
    group_by,
    group_key,
    handle_time,
    mean_estimate,
    nps,
    period_key,
    proportion,
    reopen_rate,
    sliced_metrics,
    summarize,
    wilson_interval,
)


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


WORDS_ONLY = ConcernMatcher(encoder=False)


# ---------------------------------------------------------------------------------------------
# Wilson and bootstrap intervals.


def test_wilson_interval_matches_the_published_value_for_8_of_10() -> None:
    # p = 0.8, z²/n = 0.384146, denominator 1.384146
    # centre = (0.8 + 0.192073) / 1.384146 = 0.716739
    # half = 1.959964 · √(0.016 + 0.009604) / 1.384146 = 1.959964 · 0.160012 / 1.384146 = 0.226578
    # → 0.490 to 0.943
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=5e-4)
    assert high == pytest.approx(0.9433, abs=5e-4)


def test_wilson_interval_at_the_edges_stays_inside_0_and_1() -> None:
    # 0 of 10: centre = 0.192073 / 1.384146 = 0.138766, half the same → 0 to 0.2775
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-4)
    # 10 of 10 mirrors it: 0.7225 to 1
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=5e-4)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_bootstrap_is_reproducible_with_its_seed() -> None:
    values = [3.1, 7.4, 1.2, 9.9, 4.3, 4.8, 8.05, 2.6]
    first = bootstrap_interval(values, seed=42)
    assert bootstrap_interval(values, seed=42) == first
    assert bootstrap_interval(values, seed=43) != first
    # The interval holds the sample mean (41.35 / 8 = 5.169) and stays inside the data.
    assert 1.2 <= first[0] < 41.35 / 8 < first[1] <= 9.9


def test_bootstrap_of_a_constant_is_that_constant() -> None:
    assert bootstrap_interval([5.0, 5.0, 5.0]) == (5.0, 5.0)


def test_bootstrap_agrees_with_the_normal_approximation_on_a_large_sample() -> None:
    # 200 ones and 200 zeros: mean 0.5, standard error √(0.25 / 400) = 0.025,
    # normal 95% interval 0.5 ± 1.96 · 0.025 = 0.451 to 0.549.
    values = [1.0] * 200 + [0.0] * 200
    low, high = bootstrap_interval(values, resamples=4000, seed=1)
    assert low == pytest.approx(0.451, abs=0.01)
    assert high == pytest.approx(0.549, abs=0.01)


def test_bootstrap_in_chunks_equals_one_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    import heard.feedback.metrics as metrics

    values = [float(v) for v in range(50)]
    whole = bootstrap_interval(values, seed=3)
    monkeypatch.setattr(metrics, "_CHUNK_VALUES", 120)  # two resamples per chunk
    chunked = bootstrap_interval(values, seed=3)
    assert chunked[0] == pytest.approx(whole[0], abs=2.0)
    assert chunked[1] == pytest.approx(whole[1], abs=2.0)
    assert bootstrap_interval(values, seed=3) == chunked  # still reproducible


# ---------------------------------------------------------------------------------------------
# Surveys.


def test_csat_counts_4_and_5_as_satisfied() -> None:
    # 7 responses [5, 4, 3, 5, 2, 4, 5]: satisfied are the 5, 4, 5, 4, 5 → 5 / 7 = 71.4 %
    # Wilson 5/7: p = 0.714286, z²/n = 0.548780, denominator 1.548780
    # centre = (0.714286 + 0.274390) / 1.548780 = 0.638354
    # half = 1.959964 · √(0.029155 + 0.019599) / 1.548780 = 0.279424 → 35.9 % to 91.8 %
    estimate = csat([5, 4, 3, 5, 2, 4, 5])
    assert estimate.value == pytest.approx(100 * 5 / 7)
    assert estimate.n == 7
    assert estimate.ci_low == pytest.approx(35.89, abs=0.01)
    assert estimate.ci_high == pytest.approx(91.78, abs=0.01)
    assert estimate.method == "wilson"
    assert estimate.unit == "%"
    assert estimate.small_sample
    assert estimate.details["satisfied"] == 5


def test_csat_leaves_off_scale_answers_out_and_counts_them() -> None:
    # 0 and 6 are not on 1–5: one response left, a 5 → 100 %
    estimate = csat([0, 6, 5])
    assert (estimate.value, estimate.n, estimate.details["off_scale"]) == (100.0, 1, 2)


def test_nps_keeps_passives_in_the_denominator() -> None:
    # [10, 9, 8, 7, 6, 3, 10, 9, 0, 8]: promoters 10, 9, 10, 9 = 4; passives 8, 7, 8 = 3;
    # detractors 6, 3, 0 = 3. NPS = (4 − 3) / 10 · 100 = +10 (not (4 − 3) / 7 = +14.3).
    estimate = nps([10, 9, 8, 7, 6, 3, 10, 9, 0, 8])
    assert estimate.value == pytest.approx(10.0)
    assert estimate.n == 10
    assert (
        estimate.details["promoters"],
        estimate.details["passives"],
        estimate.details["detractors"],
    ) == (4, 3, 3)
    assert estimate.method == "bootstrap"
    assert estimate.ci_low is not None and estimate.ci_high is not None
    assert -100 <= estimate.ci_low < 10 < estimate.ci_high <= 100
    assert nps([10, 9, 8, 7, 6, 3, 10, 9, 0, 8]) == estimate  # same seed, same interval


def test_nps_extremes() -> None:
    # all promoters → +100 with a degenerate interval; all detractors → −100
    assert nps([9, 10, 10]).value == 100.0
    assert nps([9, 10, 10]).ci_low == 100.0
    assert nps([0, 6]).value == -100.0
    # only passives → 0
    assert nps([7, 8]).value == 0.0


def test_ces_mean_and_share_agreeing() -> None:
    # [7, 6, 5, 4, 3, 7, 2]: sum 34, mean 34 / 7 = 4.857
    # agreeing (5–7): 7, 6, 5, 7 → 4 / 7 = 57.1 %; Wilson 4/7 → 25.0 % to 84.2 %
    scores = [7, 6, 5, 4, 3, 7, 2]
    mean = ces(scores)
    assert mean.value == pytest.approx(34 / 7)
    assert mean.unit == "points (1–7)"
    assert "mean" in mean.definition
    assert mean.details["median"] == 5.0
    assert mean.ci_low is not None and mean.ci_high is not None
    assert 2 <= mean.ci_low < 34 / 7 < mean.ci_high <= 7
    agree = ces_agreement(scores)
    assert agree.value == pytest.approx(100 * 4 / 7)
    assert agree.ci_low == pytest.approx(25.05, abs=0.01)
    assert agree.ci_high == pytest.approx(84.18, abs=0.01)
    assert "agreeing" in agree.definition


def test_small_sample_flag_switches_at_30() -> None:
    assert SMALL_SAMPLE == 30
    assert csat([5] * 29).small_sample
    assert not csat([5] * 30).small_sample
    assert csat([5] * 30).as_dict()["small_sample"] is False


@pytest.mark.parametrize(
    ("estimate", "reason"),
    [
        (csat([]), "no CSAT responses"),
        (nps([]), "no NPS responses"),
        (ces([]), "no CES responses"),
        (ces_agreement([]), "no CES responses"),
    ],
)
def test_empty_surveys_give_none_with_a_reason(estimate: Estimate, reason: str) -> None:
    assert estimate.value is None
    assert estimate.n == 0
    assert estimate.ci_low is None and estimate.ci_high is None
    assert estimate.reason == reason
    assert estimate.as_dict()["value"] is None


def test_generic_helpers_on_empty_inputs() -> None:
    assert proportion("x", 0, 0, definition="d", empty_reason="nothing").reason == "nothing"
    empty = mean_estimate("y", [], unit="s", definition="d", empty_reason="none")
    assert (empty.value, empty.reason) == (None, "none")


# ---------------------------------------------------------------------------------------------
# Handle time and first response time.


def test_voice_handle_time_runs_from_the_first_start_to_the_last_end() -> None:
    # starts 0.4, 4.9, 13.0; ends 4.1, 12.6 and none (the last turn counts at its start 13.0)
    # → 13.0 − 0.4 = 12.6 s
    turns = [
        TurnTiming("customer", 0.4, 4.1),
        TurnTiming("agent", 4.9, 12.6),
        TurnTiming("customer", 13.0, None),
    ]
    assert handle_time("voice", turns) == pytest.approx(12.6)
    # a call is answered by the agent: no first response time
    assert first_response_time("voice", turns) is None


def test_chat_handle_and_first_response_times() -> None:
    # 09:14:00 customer, 09:14:20 bot (not an agent), 09:15:10 agent, 09:20:00 customer
    # AHT = 09:20:00 − 09:14:00 = 360 s; FRT = 09:15:10 − 09:14:00 = 70 s
    turns = [
        TurnTiming("customer", time=at(2, 9, 14)),
        TurnTiming("bot", time=at(2, 9, 14, 20)),
        TurnTiming("agent", time=at(2, 9, 15, 10)),
        TurnTiming("customer", time=at(2, 9, 20)),
    ]
    assert handle_time("chat", turns) == 360.0
    assert first_response_time("chat", turns) == 70.0


def test_first_response_is_to_the_first_customer_message_when_the_agent_wrote_first() -> None:
    # agent 10:00 (outbound), customer 10:01, agent 10:03 → FRT 120 s; AHT 180 s
    turns = [
        TurnTiming("agent", time=at(2, 10, 0)),
        TurnTiming("customer", time=at(2, 10, 1)),
        TurnTiming("agent", time=at(2, 10, 3)),
    ]
    assert first_response_time("email", turns) == 120.0
    assert handle_time("email", turns) == 180.0


def test_times_need_timestamps() -> None:
    assert handle_time("chat", [TurnTiming("customer"), TurnTiming("agent")]) is None
    assert handle_time("chat", [TurnTiming("customer", time=at(2))]) is None  # one time only
    assert first_response_time("chat", [TurnTiming("customer", time=at(2))]) is None
    # a naive datetime (as SQLite returns) is read as UTC and mixes with aware ones
    naive = [
        TurnTiming("customer", time=datetime(2026, 3, 2, 9, 0)),
        TurnTiming("agent", time=at(2, 9, 1)),
    ]
    assert first_response_time("chat", naive) == 60.0


def test_chat_falls_back_on_offsets_and_voice_on_clock_times() -> None:
    assert handle_time("chat", [TurnTiming("customer", 0.0), TurnTiming("agent", 30.0)]) == 30.0
    clock = [TurnTiming("customer", time=at(2, 9)), TurnTiming("agent", time=at(2, 9, 5))]
    assert handle_time("voice", clock) == 300.0


# ---------------------------------------------------------------------------------------------
# Reopens and FCR.


def conv(
    cid: str,
    day: int | None,
    customer: str | None,
    *concerns: str,
    agent: str | None = "agent-a",
    channel: str = "chat",
) -> ConversationFacts:
    return ConversationFacts(
        id=cid,
        channel=channel,
        started_at=None if day is None else at(day),
        customer_id=customer,
        agent_id=agent,
        concerns=concerns,
    )


REOPEN_CASES = [
    # cust-a comes back after 3 days about the same parcel → A1 is reopened
    conv("A1", 1, "cust-a", "my order 48213 has not arrived"),
    conv("A2", 4, "cust-a", "order 48213 still not arrived, where is it?"),
    # cust-b comes back about the same blender, but 11 days later: outside the 7-day window
    conv("B1", 1, "cust-b", "the blender stopped working"),
    conv("B2", 12, "cust-b", "blender stopped working again"),
    # cust-c comes back within the window about something else
    conv("C1", 1, "cust-c", "I was charged twice for my subscription"),
    conv("C2", 3, "cust-c", "I want to change my delivery address"),
    # no customer id: cannot be followed
    conv("D1", 1, None, "where is my order"),
]


def test_reopens_inside_and_outside_the_window_and_about_another_concern() -> None:
    # as_of = the latest start, 12 March. Windows that closed by then: every conversation
    # started by 5 March. B2 (12 March) is still open.
    found = find_reopens(REOPEN_CASES, same_concern=WORDS_ONLY)
    assert found["A1"].status is ReopenStatus.REOPENED and found["A1"].by == "A2"
    assert found["A2"].status is ReopenStatus.RESOLVED
    assert found["B1"].status is ReopenStatus.RESOLVED  # 11 days > 7
    assert found["B2"].status is ReopenStatus.WINDOW_OPEN
    assert found["C1"].status is ReopenStatus.RESOLVED  # another concern
    assert found["C2"].status is ReopenStatus.RESOLVED
    assert found["D1"].status is ReopenStatus.NO_CUSTOMER


def test_fcr_and_reopen_rate_over_conversations_that_had_the_chance() -> None:
    # eligible: A1 (reopened), A2, B1, C1, C2 = 5; reopened 1
    # reopen rate 1/5 = 20 %, FCR 4/5 = 80 %
    # Wilson 4/5: p = 0.8, z²/n = 0.768292, denominator 1.768292
    # centre = (0.8 + 0.384146) / 1.768292 = 0.669656
    # half = 1.959964 · √(0.032 + 0.038415) / 1.768292 = 0.294120 → 37.6 % to 96.4 %
    found = find_reopens(REOPEN_CASES, same_concern=WORDS_ONLY)
    rate = fcr(found.values())
    assert rate.value == pytest.approx(80.0)
    assert rate.n == 5
    assert rate.ci_low == pytest.approx(37.55, abs=0.01)
    assert rate.ci_high == pytest.approx(96.38, abs=0.01)
    assert rate.details["reopened"] == 1
    assert rate.details["excluded_no_customer_id"] == 1
    assert rate.details["excluded_window_still_open"] == 1
    reopened = reopen_rate(found.values())
    assert reopened.value == pytest.approx(20.0)
    assert reopened.ci_low == pytest.approx(100 - 96.38, abs=0.01)


def test_the_window_is_configurable() -> None:
    # with a 14-day window B1 is reopened by B2 (11 days later), and as_of must be 14 days on
    found = find_reopens(
        REOPEN_CASES, window=timedelta(days=14), as_of=at(20), same_concern=WORDS_ONLY
    )
    assert found["B1"].status is ReopenStatus.REOPENED
    # with a 2-day window A2 (3 days later) no longer reopens A1
    short = find_reopens(REOPEN_CASES, window=timedelta(days=2), same_concern=WORDS_ONLY)
    assert short["A1"].status is ReopenStatus.RESOLVED


def test_unknown_concerns_count_a_repeat_contact_as_a_reopen_and_say_so() -> None:
    cases = [conv("E1", 1, "cust-e"), conv("E2", 2, "cust-e", "anything"), conv("Z", 20, "z")]
    found = find_reopens(cases)
    assert found["E1"].status is ReopenStatus.REOPENED
    assert found["E1"].concern_unknown
    assert fcr(found.values()).details["reopened_concern_unknown"] == 1


def test_no_eligible_conversation_gives_none_with_a_reason() -> None:
    estimate = fcr([])
    assert estimate.value is None and estimate.n == 0
    assert estimate.reason is not None and "chance to be reopened" in estimate.reason
    assert fcr(find_reopens([conv("X", 1, None)]).values()).value is None


def test_concern_matching_by_words_and_by_meaning() -> None:
    # "order", "48213", "arriv(ed)" shared → same by words
    assert content_words("my order 48213 has not arrived") == {"order", "48213", "arriv"}
    assert WORDS_ONLY(["my order 48213 has not arrived"], ["Order 48213 still not arrived"])
    # one shared content word ("blender") is not enough for words, but the encoder's cosine is
    # about 0.77 (≥ 0.6)
    first, second = ["The blender stopped working"], ["the blender is still broken"]
    assert not WORDS_ONLY(first, second)
    assert ConcernMatcher()(first, second)
    # unrelated concerns: neither (cosine about 0.27)
    assert not ConcernMatcher()(["I was charged twice"], ["my internet keeps dropping"])
    assert not ConcernMatcher()([], ["anything"])


# ---------------------------------------------------------------------------------------------
# Summaries and slices.


def facts(
    cid: str,
    *,
    agent: str | None,
    team: str | None,
    channel: str,
    day: int | None,
    score: float | None,
    csat_scores: tuple[int, ...] = (),
    nps_scores: tuple[int, ...] = (),
    ces_scores: tuple[int, ...] = (),
    empathy: float | None = None,
) -> ConversationFacts:
    start = None if day is None else at(day)
    turns = (
        ()
        if start is None
        else (
            TurnTiming("customer", time=start),
            TurnTiming("agent", time=start + timedelta(seconds=60)),
            TurnTiming("customer", time=start + timedelta(seconds=300)),
        )
    )
    return ConversationFacts(
        id=cid,
        channel=channel,
        started_at=start,
        agent_id=agent,
        team_id=team,
        turns=turns,
        analysed=score is not None,
        listening_score=score,
        components={"empathy": empathy, "attention": score},
        csat=csat_scores,
        nps=nps_scores,
        ces=ces_scores,
    )


SAMPLE = [
    facts(
        "1",
        agent="mia",
        team="t1",
        channel="chat",
        day=2,
        score=80.0,
        csat_scores=(5,),
        empathy=70.0,
    ),
    facts(
        "2",
        agent="mia",
        team="t1",
        channel="chat",
        day=3,
        score=60.0,
        csat_scores=(3,),
        nps_scores=(10,),
    ),
    facts(
        "3",
        agent="tom",
        team="t2",
        channel="email",
        day=10,
        score=40.0,
        csat_scores=(4,),
        ces_scores=(6,),
        empathy=20.0,
    ),
    facts("4", agent=None, team=None, channel="voice", day=None, score=None),
]


def test_summarize_everything_over_a_group() -> None:
    out = summarize(SAMPLE, {})
    assert list(out) == list(METRICS)
    # listening: (80 + 60 + 40) / 3 = 60 over 3 analysed
    assert out["listening_score"].value == pytest.approx(60.0)
    assert out["listening_score"].n == 3
    # empathy applied to two: (70 + 20) / 2 = 45
    assert out["component.empathy"].value == pytest.approx(45.0)
    assert out["component.empathy"].n == 2
    # CSAT [5, 3, 4] → 2/3 = 66.7 %
    assert out["csat"].value == pytest.approx(200 / 3)
    # NPS [10] → +100; CES [6] → 6.0 and 100 % agreeing
    assert (out["nps"].value, out["ces"].value, out["ces_agree"].value) == (100.0, 6.0, 100.0)
    # AHT: three chats/emails of 300 s each; the voice call has no timestamps
    assert (out["aht"].value, out["aht"].n) == (300.0, 3)
    # FRT: 60 s each in the three messaging conversations
    assert (out["frt"].value, out["frt"].n) == (60.0, 3)
    # nobody has a customer id: FCR cannot be measured
    assert out["fcr"].value is None


def test_summarize_nothing_gives_none_with_reasons_not_errors() -> None:
    out = summarize([])
    for name, estimate in out.items():
        assert estimate.value is None, name
        assert estimate.n == 0
        assert estimate.reason, name


def test_period_keys() -> None:
    # 2 March 2026 is a Monday (ISO week 10); 1 March is the Sunday before (week 9)
    assert period_key(at(2), "week") == "2026-W10"
    assert period_key(at(1), "week") == "2026-W09"
    assert period_key(at(2), "day") == "2026-03-02"
    assert period_key(at(2), "month") == "2026-03"
    # naive datetimes are UTC; aware ones are converted to UTC first
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC) + timedelta(hours=1)
    assert period_key(late, "day") == "2026-03-03"
    with pytest.raises(ValueError):
        period_key(at(2), "year")  # type: ignore[arg-type]


def test_groups_along_each_dimension() -> None:
    assert list(group_by(SAMPLE, "agent")) == ["mia", "tom", "(no agent)"]
    assert list(group_by(SAMPLE, "team")) == ["t1", "t2", "(no team)"]
    assert list(group_by(SAMPLE, "channel")) == ["chat", "email", "voice"]
    assert list(group_by(SAMPLE, "period", "week")) == ["2026-W10", "2026-W11", "(undated)"]
    assert list(group_by(SAMPLE, "period", "month")) == ["2026-03", "(undated)"]
    assert group_key(SAMPLE[3], "period") == "(undated)"


def test_sliced_metrics_are_tidy_records() -> None:
    records = sliced_metrics(SAMPLE, {}, "agent")
    assert len(records) == 3 * len(METRICS)
    keys = {
        "slice",
        "group",
        "conversations",
        "metric",
        "value",
        "n",
        "ci_low",
        "ci_high",
        "ci_method",
        "confidence",
        "unit",
        "small_sample",
        "reason",
        "definition",
        "details",
    }
    assert all(set(r) == keys for r in records)
    mia = {r["metric"]: r for r in records if r["group"] == "mia"}
    # mia: CSAT [5, 3] → 1/2 = 50 %; listening (80 + 60) / 2 = 70
    assert mia["csat"]["value"] == pytest.approx(50.0)
    assert mia["csat"]["n"] == 2 and mia["csat"]["small_sample"] is True
    assert mia["listening_score"]["value"] == pytest.approx(70.0)
    assert mia["listening_score"]["conversations"] == 2
    weeks = sliced_metrics(SAMPLE, {}, "period", period="week")
    assert {r["slice"] for r in weeks} == {"week"}
    w10 = {r["metric"]: r for r in weeks if r["group"] == "2026-W10"}
    assert w10["listening_score"]["value"] == pytest.approx(70.0)


def test_summaries_are_reproducible() -> None:
    assert summarize(SAMPLE, {}) == summarize(SAMPLE, {})
    first = summarize(SAMPLE, {}, seed=1)["listening_score"]
    assert first.ci_low is not None
    assert statistics.fmean([80.0, 60.0, 40.0]) == first.value
