#!/usr/bin/env python3
"""A minimal storefront reader of a Herald bucket (docs/storefront.md), standard library only.

    python3 docs/examples/read_bucket.py data/public                    # a local bucket folder
    python3 docs/examples/read_bucket.py https://cdn.shop.example/cms   # the bucket over HTTP
    python3 docs/examples/read_bucket.py data/public faq fr-BE         # one listing, all pages
    python3 docs/examples/read_bucket.py data/public faq en returns    # one entry, by slug

It reads the manifest, walks a listing from its newest page along `next`, fetches an entry by
its path, and follows `redirects.json` when a slug has changed. `signed_by_herald` checks the
signature of a purge or webhook request.
"""
import hashlib
import hmac
import json
import os
import sys
import urllib.error
import urllib.request


class Bucket:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = base.startswith(("http://", "https://"))

    def get(self, key):
        """The JSON object at `key`, or None when there is none."""
        if self.http:
            try:
                with urllib.request.urlopen(f"{self.base}/{key}") as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                if error.code in (403, 404):
                    return None
                raise
        try:
            with open(os.path.join(self.base, key), encoding="utf-8") as file:
                return json.load(file)
        except FileNotFoundError:
            return None

    def listing(self, type_name, locale):
        """Every item of a listing, newest first, page after page."""
        key = f"content/{type_name}/{locale}/index.json"
        while key:
            page = self.get(key)
            if page is None:
                return
            yield from page["items"]
            key = page["next"]

    def entry(self, type_name, locale, slug):
        """An entry by slug, following a redirect if the slug changed."""
        path = f"content/{type_name}/{locale}/{slug}.json"
        found = self.get(path)
        if found is None:
            moved = (self.get("redirects.json") or {}).get(path)
            if moved:
                found = self.get(moved)
        return found


def signed_by_herald(body, header, secret):
    """Whether `header` (`X-Herald-Signature`) signs `body` (the request's exact bytes) with
    `secret` (the webhook's, or `[publish] purge_secret`)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bucket = Bucket(sys.argv[1])
    manifest = bucket.get("manifest.json")
    if manifest is None:
        sys.exit("no manifest.json: nothing has been published yet")
    if len(sys.argv) == 2:
        print(f"revision {manifest['revision']} of {manifest['published_at']}")
        for name, about in manifest["types"].items():
            for locale, listing in about["locales"].items():
                print(f"{name:16} {locale:6} {listing['count']:7} entries  {listing['index']}")
    elif len(sys.argv) == 4:
        for item in bucket.listing(sys.argv[2], sys.argv[3]):
            fallback = f"  (from {item['fallback_from']})" if "fallback_from" in item else ""
            print(f"{item['published_at']}  {item['path']}  {item.get('title', '')}{fallback}")
    else:
        entry = bucket.entry(sys.argv[2], sys.argv[3], sys.argv[4])
        if entry is None:
            sys.exit("not published")
        print(json.dumps(entry, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
