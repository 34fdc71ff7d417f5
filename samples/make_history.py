"""Writes ``samples/history.csv``: a made-up month of a shop's support history (January 2026),
in the import format of docs/import.md, for ``manage.py demo --history``.

    python samples/make_history.py > samples/history.csv
"""

import csv
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).absolute().parent.parent))
from imports.columns import COLUMNS  # noqa: E402

HEADER = [c for c in COLUMNS if c != "contact_external_id"]  # a file may name any subset


QUESTIONS = [
    "Where is my order?",
    "Can I change my delivery address?",
    "The item arrived damaged.",
    "How do I return a product?",
    "Is this available in blue?",
]
ANSWERS = [
    "Thanks for writing, we are looking into it.",
    "Done, you will get a confirmation.",
    "Sorry about that: a replacement is on its way.",
]


def main(out=sys.stdout) -> None:
    rng = random.Random(2026)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    rows = []
    for i in range(40):
        email, phone = f"customer{i}@example.com", f"+3361234{i:04d}"
        t = start + timedelta(hours=rng.uniform(0, 24 * 21))
        kind = rng.choice(["email", "email", "sms"])
        question = rng.choice(QUESTIONS)
        sender = email if kind == "email" else phone
        rows.append(
            [
                "message",
                t,
                kind,
                "inbound",
                "conversation",
                sender,
                "",
                email,
                phone,
                "Question" if kind == "email" else "",
                question,
                f"h{i}-1",
                "",
                "",
                "",
                "",
            ]
        )
        if rng.random() < 0.4:  # the customer chases on the other channel
            other = "sms" if kind == "email" else "email"
            rows.append(
                [
                    "message",
                    t + timedelta(hours=rng.uniform(1, 6)),
                    other,
                    "inbound",
                    "conversation",
                    phone if other == "sms" else email,
                    "",
                    email,
                    phone,
                    "",
                    "Any news?",
                    f"h{i}-2",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        reply_at = t + timedelta(hours=rng.lognormvariate(1.0, 0.9))
        rows.append(
            [
                "message",
                reply_at,
                kind,
                "outbound",
                "conversation",
                "",
                sender,
                email,
                phone,
                "",
                rng.choice(ANSWERS),
                f"h{i}-r",
                "",
                "",
                "",
                "",
            ]
        )
        for k in range(rng.choice([0, 0, 1, 1, 2])):
            amount = round(rng.lognormvariate(3.8, 0.9), 2)
            rows.append(
                [
                    "event",
                    t + timedelta(days=1 + k * 5),
                    "",
                    "",
                    "",
                    "",
                    "",
                    email,
                    "",
                    "",
                    "",
                    f"p{i}-{k}",
                    "purchase",
                    '{"source": "import"}',
                    amount,
                    "EUR",
                ]
            )
    rows.sort(key=lambda r: r[1])
    for row in rows:
        row[1] = row[1].isoformat().replace("+00:00", "Z")
        writer.writerow(row)


if __name__ == "__main__":
    main()
