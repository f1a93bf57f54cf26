#!/usr/bin/env python3
"""Writes N promo_banner entries (each with its first revision) in `herald export` format.

Usage: gen_entries.py N > entries.jsonl
"""
import json
import random
import sys
import uuid

WORDS = ["summer", "sale", "sandals", "linen", "shirts", "beach", "weekend", "offer", "new",
         "collection", "boots", "jackets", "kids", "denim", "free", "delivery", "gift", "ideas"]

# One entry in RARE_EVERY has this word: what a rare `?q=` search finds (100 in a million).
RARE_WORD = "espadrilles"
RARE_EVERY = 10_000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(42)
    out = sys.stdout
    for n in range(count):
        entry_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        locale = "fr" if n % 2 else "en"
        status = ("draft", "in_review", "published")[n % 3]
        headline = " ".join(rng.choice(WORDS) for _ in range(5)).capitalize()[:70]
        if n % RARE_EVERY == 7:
            headline = f"{headline[:50]} {RARE_WORD}"
        slug = f"banner-{n}"
        at = f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}Z"
        fields = {"headline": headline, "discount": n % 91, "cta_label": "Shop now", "channel": "web"}
        out.write(json.dumps({
            "kind": "entry", "id": entry_id, "type": "promo_banner", "locale": locale, "slug": slug,
            "status": status, "version": 1, "fields": fields, "created_at": at, "created_by": "bench",
            "updated_at": at, "updated_by": "bench", "published_version": None, "publish_at": None,
            "unpublish_at": None}) + "\n")
        out.write(json.dumps({
            "kind": "revision", "entry_id": entry_id, "version": 1, "slug": slug, "status": status,
            "fields": fields, "author": "bench", "created_at": at}) + "\n")


if __name__ == "__main__":
    main()
