#!/usr/bin/env python3
"""Writes N published `faq` entries (each with its one revision) in `herald export` format,
for the publishing benchmarks: `herald import` them, then `herald publish rebuild`.

Usage: gen_published.py N > entries.jsonl
"""
import json
import random
import sys
import uuid

WORDS = ["return", "sandals", "linen", "shirts", "delivery", "gift", "card", "size", "store",
         "pickup", "refund", "exchange", "order", "tracking", "voucher", "student", "discount"]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(7)
    out = sys.stdout
    for n in range(count):
        entry_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        at = f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}Z"
        fields = {
            "question": f"{words.capitalize()} {n}?",
            "answer": f"Yes: **{words}** within *30 days*. See [our policy](https://shop.example/p/{n}).\n\n- one\n- two",
            "category": "general",
            "order": n % 100,
        }
        slug = f"question-{n}"
        out.write(json.dumps({
            "kind": "entry", "id": entry_id, "type": "faq", "locale": "en", "slug": slug,
            "status": "published", "version": 1, "fields": fields, "created_at": at,
            "created_by": "bench", "updated_at": at, "updated_by": "bench",
            "published_version": 1, "publish_at": None, "unpublish_at": None}) + "\n")
        out.write(json.dumps({
            "kind": "revision", "entry_id": entry_id, "version": 1, "slug": slug,
            "status": "published", "fields": fields, "author": "bench", "created_at": at}) + "\n")


if __name__ == "__main__":
    main()
