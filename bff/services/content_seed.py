"""The demo store's pages (about, shipping, returns, privacy), written when the content store has none."""

from __future__ import annotations

from datetime import UTC, datetime

from bff.backends.content import ContentStore
from bff.domain.content import ContentKind, ContentPage

_WHEN = datetime(2026, 1, 1, tzinfo=UTC)

DEMO_PAGES = (
    ContentPage(
        handle="about",
        title="About us",
        summary="Who we are and what we sell.",
        body_html=(
            "<h2>About us</h2><p>We are an independent shop selling things we would buy ourselves, "
            'chosen for how long they last.</p><p>Questions? Write to <a href="mailto:hello@example.com">'
            "hello@example.com</a>.</p>"
        ),
    ),
    ContentPage(
        handle="shipping",
        title="Shipping",
        summary="Delivery times and costs.",
        body_html=(
            "<h2>Shipping</h2><p>Orders placed before 2 pm on a working day leave the warehouse the same day.</p>"
            "<ul><li>Standard: 3-5 working days</li><li>Express: next working day</li></ul>"
        ),
    ),
    ContentPage(
        handle="returns",
        title="Returns",
        summary="How to return an item within 30 days.",
        body_html=(
            "<h2>Returns</h2><p>Return any unused item within 30 days of delivery for a full refund.</p>"
            "<ol><li>Start a return from your order page.</li><li>Pack the item with its label.</li>"
            "<li>Drop it off at any carrier point.</li></ol>"
        ),
    ),
    ContentPage(
        handle="privacy",
        title="Privacy policy",
        summary="What we keep about you, and why.",
        body_html=(
            "<h2>Privacy policy</h2><p>We keep what we need to deliver your orders and nothing more. "
            "We never sell your data.</p>"
        ),
    ),
)


async def seed_demo_pages(store: ContentStore) -> int:
    """Write the demo pages when there are no pages yet; how many were written."""
    if await store.count_items(ContentKind.PAGE) > 0:
        return 0
    pages = [
        ContentPage(p.handle, p.title, p.body_html, p.summary, created_at=_WHEN, updated_at=_WHEN) for p in DEMO_PAGES
    ]
    await store.upsert_items(pages)
    return len(pages)
