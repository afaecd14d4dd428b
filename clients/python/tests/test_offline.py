"""Tests of what the client does on its own: building and checking events,
rendering prompts, reading errors, the retry policy. They need no server."""

from __future__ import annotations

import datetime as dt
import math
import random
import unittest

import atrium_client as ac
from atrium_client import errors, events
from atrium_client._http import RetryPolicy, parse_retry_after

from .support import closed_port


class EventTests(unittest.TestCase):
    def test_prediction_has_an_id_a_time_and_only_what_was_given(self) -> None:
        p = ac.prediction("scorer", version=3, features={"tenure": 14, "plan": "pro", "churned_before": False, "x": None},
                          score=0.25, label="stay", segments={"region": "north"}, latency_ms=4.5, subject="c-1")
        self.assertRegex(p["id"], r"^[0-9a-f]{32}$")
        self.assertEqual(p["version"], "3")
        self.assertEqual(p["output"], {"score": 0.25, "label": "stay"})
        self.assertTrue(p["time"].endswith("Z"))
        self.assertNotIn("error", p)
        self.assertNotEqual(ac.prediction()["id"], ac.prediction()["id"])

    def test_times_are_utc(self) -> None:
        aware = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        self.assertEqual(events.format_time(aware), "2026-03-03T14:00:00.000000Z")
        self.assertEqual(events.format_time(dt.datetime(2026, 3, 3, 14, 0)), "2026-03-03T14:00:00.000000Z")
        self.assertEqual(events.format_time(0), "1970-01-01T00:00:00.000000Z")
        for bad in (math.nan, "yesterday", True):
            with self.assertRaises((TypeError, ValueError), msg=repr(bad)):
                events.format_time(bad)  # type: ignore[arg-type]

    def test_hostile_events_fail_at_the_call(self) -> None:
        cases = [
            lambda: ac.prediction(features={"nested": {"a": 1}}),
            lambda: ac.prediction(features={"list": [1, 2]}),
            lambda: ac.prediction(features={"x": math.inf}),
            lambda: ac.prediction(score=math.nan),
            lambda: ac.prediction(score="high"),  # type: ignore[arg-type]
            lambda: ac.prediction(segments={"region": 3}),  # type: ignore[dict-item]
            lambda: ac.prediction(id=""),
            lambda: ac.prediction(id="-starts-with-dash"),
            lambda: ac.prediction(id="x" * 129),
            lambda: ac.prediction(id="has space"),
            lambda: ac.prediction(version=True),  # type: ignore[arg-type]
            lambda: ac.outcome("p1"),
            lambda: ac.outcome("bad id", label="x"),
            lambda: ac.feedback("shrug"),
            lambda: ac.feedback("thumbs", "up", prediction_id="../etc"),
        ]
        for i, make in enumerate(cases):
            with self.subTest(case=i), self.assertRaises((TypeError, ValueError)):
                make()

    def test_encode_is_compact_and_refuses_nan(self) -> None:
        self.assertEqual(events.encode({"a": [1, "é"]}), '{"a":[1,"é"]}'.encode())
        with self.assertRaises(ValueError):
            events.encode({"a": math.nan})

    def test_batch_result_is_read_in_request_order(self) -> None:
        r = ac.BatchResult.from_json({"accepted": 1, "duplicates": 0, "refused": 1, "items": [
            {"index": 1, "status": "refused", "code": "invalid", "error": "bad"},
            {"index": 0, "id": "a", "status": "accepted"}]})
        self.assertEqual([i.index for i in r.items], [0, 1])
        self.assertEqual(r.refused_items[0].error, "bad")
        self.assertTrue(r.items[0].ok)
        self.assertFalse(r.items[1].ok)


class RenderTests(unittest.TestCase):
    def test_render_fills_each_variable_once(self) -> None:
        p = ac.Prompt("uc", "greet", 1, "Hello {{ name }}, about {{topic}}: {{ name }}")
        self.assertEqual(p.variables, [])  # as given; from_version derives them
        self.assertEqual(ac.variables(p.template), ["name", "topic"])
        self.assertEqual(p.render(name="{{ topic }}", topic="bills"), "Hello {{ topic }}, about bills: {{ topic }}")
        # A variable may be called self: render takes its own argument positionally.
        self.assertEqual(ac.render("{{ self }}", {"self": "me"}), "me")
        self.assertEqual(ac.Prompt("u", "n", 1, "{{self}}!").render(self="me"), "me!")

    def test_render_refuses_missing_unknown_and_non_strings(self) -> None:
        p = ac.Prompt("uc", "greet", 1, "{{ b }} {{ a }}")
        for values, want in [
            ({}, "missing value for variable a, b"),
            ({"a": "1"}, "missing value for variable b"),
            ({"a": "1", "b": "2", "c": "3"}, 'the template has no variable "c"'),
            ({"a": 1, "b": "2"}, "must be a string"),
        ]:
            with self.subTest(values=values):
                with self.assertRaises(ac.InvalidError) as cm:
                    p.render_map(values)
                self.assertIn(want, cm.exception.message)
                self.assertEqual(cm.exception.code, "invalid")

    def test_render_refuses_a_result_over_one_mebibyte(self) -> None:
        with self.assertRaises(ac.TooLargeError):
            ac.render("{{ a }}{{ a }}", {"a": "x" * (600 << 10)})

    def test_from_version_reads_the_registry_answer(self) -> None:
        v = {"number": 4, "prompt": {"template": "Hi {{ who }}", "form": "chat", "variables": ["who"], "model_config": {"t": 0}}}
        p = ac.Prompt.from_version("uc", "greet", v, alias="champion")
        self.assertEqual((p.version, p.form, p.variables, p.model_config, p.alias), (4, "chat", ["who"], {"t": 0}, "champion"))


class ErrorTests(unittest.TestCase):
    def test_errors_are_chosen_by_code_then_status(self) -> None:
        self.assertIsInstance(errors.error_for(400, "invalid", "x"), ac.InvalidError)
        self.assertIsInstance(errors.error_for(400, "invalid", "x"), ValueError)
        self.assertIsInstance(errors.error_for(404, "", "x"), ac.NotFoundError)
        self.assertIsInstance(errors.error_for(503, "unavailable", "x", retry_after=2), ac.UnavailableError)
        self.assertIsInstance(errors.error_for(502, "", "bad gateway"), ac.InternalError)
        e = errors.error_for(429, "rate_limited", "slow down", retry_after=1.5)
        self.assertEqual((e.status, e.code, e.retry_after, e.message), (429, "rate_limited", 1.5, "slow down"))
        self.assertIn("429", str(e))


class RetryTests(unittest.TestCase):
    def test_retry_after_reads_seconds_and_dates(self) -> None:
        self.assertEqual(parse_retry_after("3"), 3.0)
        self.assertEqual(parse_retry_after(" 0.5 "), 0.5)
        self.assertEqual(parse_retry_after("-4"), 0.0)
        self.assertIsNone(parse_retry_after(None))
        self.assertIsNone(parse_retry_after("soon"))
        self.assertAlmostEqual(parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0), 10.0)
        self.assertEqual(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0), 0.0)

    def test_backoff_grows_is_capped_and_honours_retry_after(self) -> None:
        pol = RetryPolicy(base_delay=0.5, max_delay=4.0)
        rng = random.Random(7)
        for attempt in range(12):
            ceiling = min(4.0, 0.5 * 2 ** attempt)
            for _ in range(50):
                d = pol.delay(attempt, None, rng)
                self.assertTrue(0 <= d <= ceiling, (attempt, d))
                d = pol.delay(attempt, 10.0, rng)
                self.assertTrue(10.0 <= d <= 11.05, (attempt, d))
        # Jitter: not every client waits the same.
        self.assertGreater(len({round(pol.delay(3, None, rng), 6) for _ in range(20)}), 10)

    def test_policy_and_client_options_are_checked(self) -> None:
        with self.assertRaises(ValueError):
            RetryPolicy(max_attempts=0)
        for kw in ({"batch_size": 0}, {"batch_size": 10_001}, {"flush_interval": 0}, {"max_queue": 0},
                   {"when_full": "ignore"}, {"max_batch_bytes": 10}, {"timeout": 0}):
            with self.subTest(kw=kw), self.assertRaises(ValueError):
                ac.Client("http://127.0.0.1:1", close_at_exit=False, **kw)
        for url in ("ftp://x", "127.0.0.1:8420", "http://h/?q=1", "http://"):
            with self.subTest(url=url), self.assertRaises(ValueError):
                ac.Client(url, close_at_exit=False)

    def test_calls_without_their_credential_say_which(self) -> None:
        c = ac.Client("http://127.0.0.1:1", close_at_exit=False)
        with self.assertRaisesRegex(ValueError, "ingestion key"):
            c.log_prediction("m")
        with self.assertRaisesRegex(ValueError, "API token"):
            c.get_prompt("uc", "p")
        c.close()

    def test_logging_after_close_raises(self) -> None:
        c = ac.Client("http://127.0.0.1:1", ingest_key="atri_x", close_at_exit=False)
        self.assertTrue(c.close())
        with self.assertRaises(ac.ClosedError):
            c.log_feedback("thumbs", "up")


class CloseTests(unittest.TestCase):
    def test_close_gives_up_on_an_unreachable_server(self) -> None:
        c = ac.Client("http://127.0.0.1:%d" % closed_port(), ingest_key="atri_x", close_at_exit=False,
                      retry=ac.RetryPolicy(max_attempts=1000, base_delay=0.05, max_delay=0.2, max_elapsed=600))
        c.log_prediction("m", score=0.5)
        self.assertFalse(c.close(timeout=0.5))
        st = c.stats()
        self.assertEqual((st.failed, st.accepted, st.queued), (1, 0, 0), st)


if __name__ == "__main__":
    unittest.main()
