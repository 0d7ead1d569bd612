"""Draw static/og-card.png, the link-preview image (1200x630), with headless Chromium.

    .venv/bin/python scripts/make_og_card.py [--chromium /usr/bin/chromium]

Run again after renaming the site (KB_SITE_NAME); the PNG is committed so the
site itself needs no image library.
"""

from __future__ import annotations

import argparse
import html
import os
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "og-card.png"
CARD = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin:0; width:1200px; height:630px; display:flex; flex-direction:column; justify-content:center;
  padding:0 90px; box-sizing:border-box; background:#0f1318; color:#e4e7ed;
  font-family:"DejaVu Sans","Noto Sans",system-ui,sans-serif; }}
.mark {{ width:96px; height:96px; border-radius:18px; background:#0b5cad; display:flex; align-items:center;
  justify-content:center; font-size:60px; font-weight:700; color:#fff; margin-bottom:40px; }}
h1 {{ font-size:68px; margin:0 0 24px; line-height:1.1; }}
p {{ font-size:34px; margin:0; color:#a4adbb; line-height:1.35; }}
.bar {{ position:absolute; left:0; bottom:0; width:1200px; height:18px; background:linear-gradient(90deg,#0b5cad,#1a7f37); }}
</style></head><body><div class="mark">K</div><h1>{name}</h1>
<p>Paste a Celery, RabbitMQ or Redis error: get the cause and the fix.</p><div class="bar"></div></body></html>"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--chromium", default=os.environ.get("KB_TEST_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    name = os.environ.get("KB_SITE_NAME", "Celery Troubleshooting KB")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 630})
        page.set_content(CARD.format(name=html.escape(name)))
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
