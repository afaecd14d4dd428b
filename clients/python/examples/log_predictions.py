#!/usr/bin/env python3
"""Log what a churn model does in production to Atrium: predictions as they
are made, outcomes once they are known, and feedback from the people who
use it.

    ATRIUM_URL=http://127.0.0.1:8420 ATRIUM_INGEST_KEY=atri_… \\
        python3 clients/python/examples/log_predictions.py

Environment:
    ATRIUM_URL          the server (required)
    ATRIUM_INGEST_KEY   an ingestion key of the use case (required)
    ATRIUM_MODEL        the model's name (default: the key's model)
    ATRIUM_COUNT        how many predictions to log (default 200)
    ATRIUM_SEED         seed of the simulated customers (default: random)

It prints what it logged and, on its last line, a JSON summary. It exits
with status 1 if any event was refused, dropped or given up.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

try:
    import atrium_client
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import atrium_client

PLANS = ["basic", "plus", "pro"]
REGIONS = ["north", "south", "east", "west"]
CHANNELS = ["web", "app", "store"]


def customer(rng: random.Random) -> dict:
    """A simulated customer: what the churn model reads."""
    return {
        "tenure_months": rng.randint(1, 72),
        "monthly_charges": round(rng.uniform(15, 120), 2),
        "support_calls": rng.choices(range(6), weights=[40, 25, 15, 10, 6, 4])[0],
        "plan": rng.choice(PLANS),
        "channel": rng.choice(CHANNELS),
        "autopay": rng.random() < 0.6,
        "late_payments": rng.choices(range(4), weights=[70, 18, 8, 4])[0],
        "data_gb": round(rng.lognormvariate(2.0, 0.8), 2),
        "discount": rng.choice([0, 0, 0, 5, 10, 15]),
        "age_band": rng.choice(["18-29", "30-44", "45-64", "65+"]),
    }


def churn_score(f: dict) -> float:
    """A stand-in model: churn is likelier for short tenure, many support
    calls and late payments, and less likely with autopay."""
    z = -1.0 - 0.04 * f["tenure_months"] + 0.45 * f["support_calls"] + 0.6 * f["late_payments"]
    z += 0.01 * (f["monthly_charges"] - 60) - (0.7 if f["autopay"] else 0)
    return 1 / (1 + pow(2.718281828, -z))


def main() -> int:
    url, key = os.environ.get("ATRIUM_URL"), os.environ.get("ATRIUM_INGEST_KEY")
    if not url or not key:
        print("set ATRIUM_URL and ATRIUM_INGEST_KEY", file=sys.stderr)
        return 2
    model = os.environ.get("ATRIUM_MODEL") or None
    count = int(os.environ.get("ATRIUM_COUNT", "200"))
    seed = os.environ.get("ATRIUM_SEED")
    rng = random.Random(int(seed) if seed else None)

    logged = {"predictions": 0, "outcomes": 0, "feedback": 0}
    ids = []
    with atrium_client.Client(url, ingest_key=key, flush_interval=0.5) as atrium:
        for i in range(count):
            f = customer(rng)
            started = time.perf_counter()
            score = churn_score(f)
            latency = (time.perf_counter() - started) * 1000 + rng.uniform(2, 15)
            pid = atrium.log_prediction(
                model,
                features=f,
                score=round(score, 4),
                label="churn" if score >= 0.5 else "stay",
                subject="customer-%06d" % rng.randint(0, 999_999),
                segments={"region": rng.choice(REGIONS), "plan": f["plan"]},
                latency_ms=round(latency, 3),
            )
            ids.append(pid)
            logged["predictions"] += 1
            # A third of the outcomes are known already (the rest arrive months later).
            if rng.random() < 0.33:
                churned = rng.random() < score
                atrium.log_outcome(pid, label="churn" if churned else "stay")
                logged["outcomes"] += 1
            # Now and then an account manager says what they think.
            if rng.random() < 0.1:
                if rng.random() < 0.7:
                    atrium.log_feedback("thumbs", rng.choice(["up", "up", "down"]), prediction_id=pid)
                else:
                    atrium.log_feedback("comment", prediction_id=pid,
                                        text="Customer already agreed a retention offer; score looks high.")
                logged["feedback"] += 1
        atrium.log_feedback("rating", "4", text="Scores line up with what the retention team sees.")
        logged["feedback"] += 1
        done = atrium.flush(60)
        st = atrium.stats()

    print("logged %(predictions)d predictions, %(outcomes)d outcomes and %(feedback)d pieces of feedback" % logged)
    print("server: %d accepted, %d duplicates, %d refused; client: %d dropped, %d given up, %d requests, %d retries"
          % (st.accepted, st.duplicates, st.refused, st.dropped, st.failed, st.requests, st.retries))
    summary = dict(logged, accepted=st.accepted, refused=st.refused, dropped=st.dropped, failed=st.failed,
                   flushed=done, prediction_ids=ids[:5])
    print(json.dumps(summary))
    return 0 if done and st.refused == st.dropped == st.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
