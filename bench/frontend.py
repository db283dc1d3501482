"""Web app benchmark, in headless Chromium (Debian's): time to first render of a 500-node neighbourhood and
the frame rate while panning 2,000 nodes, each against the same measure on a 2-node neighbourhood in the
same run (the baseline: what the page and the browser cost with next to no graph).

    .venv/bin/python -m bench.frontend          (after `make frontend`)

The graph: a hub address paid 1,000 times, each payment spent again by the hub (2,000 transactions around
it), and a lone miner's address with one transaction. gunicorn serves the built app as in production. First
render: from navigation to the explorer's page until the graph is drawn (the node count shown and two
animation frames after it, so the canvas has painted). Panning: the mouse drags the canvas for 3 s while
the page counts animation frames. Figures go to docs/benchmarks.md.
"""

import shutil
import statistics
import time
import uuid
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bench.anomaly import ingest
from bench.ingest import machine
from bench.report import write_section
from bench.screening import serve
from chain import scripts
from chain.addresses import script_address
from chain.networks import NETWORKS
from chain.serialization import OutPoint, block_hash_of, coinbase_tx, serialize_block, serialize_tx, txid_of
from graph import get_graph
from graph.schema import ensure_schema
from investigations.models import Membership, Team

REGTEST = NETWORKS["regtest"]
PAYMENTS = 1_000
PASSWORD = "a long bench password"  # noqa: S105 - the bench user, in the bench database only
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
RUNS = 5
# performance.now() counts from the navigation's start; two frames after the count shows, the canvas has painted.
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now()))))"
COUNT_FRAMES = """() => {
  window.__frames = 0;
  const tick = () => { window.__frames++; window.__raf = requestAnimationFrame(tick); };
  tick();
}"""


def key(label: str) -> bytes:
    import hashlib

    return scripts.p2wpkh(hashlib.new("ripemd160", label.encode()).digest())


def world(path: Path) -> tuple[str, str]:
    """Blocks around a hub: a coinbase pays a payer 1,000 times, each output pays the hub in a transaction of
    its own, the hub spends each again; then a lone miner's block. Returns the hub's and the miner's address."""
    blocks, tip, height, when = [], REGTEST.genesis_hash, 0, 1_700_000_000

    def block(txs: list[bytes], coinbase: bytes) -> str:
        nonlocal tip, height, when
        raw = serialize_block([coinbase, *txs], prev_hash=tip, time=when)
        blocks.append(raw)
        tip, when = block_hash_of(raw), when + 600
        return txid_of(coinbase)

    height += 1
    funding = block([], coinbase_tx(height, [(1_000_000, key("payer"))] * PAYMENTS))
    payments = [serialize_tx([(OutPoint(funding, n), b"\x51")], [(990_000, key("hub"))]) for n in range(PAYMENTS)]
    height += 1
    block(payments, coinbase_tx(height, [(50 * 10**8, key("miner-a"))]))
    spends = [serialize_tx([(OutPoint(txid_of(tx), 0), b"\x51")], [(980_000, key("shop"))]) for tx in payments]
    height += 1
    block(spends, coinbase_tx(height, [(50 * 10**8, key("miner-b"))]))
    height += 1
    block([], coinbase_tx(height, [(50 * 10**8, key("lone"))]))
    path.write_bytes(b"".join(REGTEST.magic + len(raw).to_bytes(4, "little") + raw for raw in blocks))
    address = lambda label: script_address(key(label), REGTEST)[1]  # noqa: E731 - (type, address)
    return address("hub"), address("lone")


def first_render_ms(page, url: str, address: str, limit: int, nodes: int) -> float:
    """Navigation start to the graph drawn: the node count shown, then two animation frames."""
    page.goto("about:blank")
    page.goto(f"{url}/app/explore?address={address}&limit={limit}")
    try:
        page.get_by_text(f"{nodes} nodes,").wait_for(timeout=60_000)
    except Exception as error:  # Playwright's TimeoutError: say what the page shows instead
        raise RuntimeError(
            f"no graph of {nodes} nodes for {address}; the page: {page.inner_text('body')[:400]}"
        ) from error
    return page.evaluate(PAINTED)


def panning_fps(page, seconds: float = 3.0) -> float:
    """Drag the canvas back and forth with the mouse while counting animation frames. The drag starts in the
    canvas's corner, in the margin the layout leaves, so it pans rather than moves a node."""
    box = page.get_by_test_id("canvas").bounding_box()
    x, y = box["x"] + 6, box["y"] + 6
    page.evaluate(COUNT_FRAMES)
    started = time.perf_counter()
    page.mouse.move(x, y)
    page.mouse.down()
    step = 0
    while time.perf_counter() - started < seconds:
        step += 1
        page.mouse.move(x + 6 * (step % 40 if step % 80 < 40 else 40 - step % 40), y + 2 * (step % 20), steps=1)
    page.mouse.up()
    frames = page.evaluate("() => { cancelAnimationFrame(window.__raf); return window.__frames; }")
    return frames / (time.perf_counter() - started)


def measure(url: str, hub: str, lone: str) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float]] = {"small": [], "500": [], "fps_small": [], "fps_2000": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        page.goto(f"{url}/app/")
        page.get_by_label("Username").fill("bench")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Alerts").wait_for()
        for _ in range(RUNS):
            figures["small"].append(first_render_ms(page, url, lone, 500, 2))
            figures["500"].append(first_render_ms(page, url, hub, 500, 501))
        first_render_ms(page, url, lone, 500, 2)
        figures["fps_small"].append(panning_fps(page))
        first_render_ms(page, url, hub, 2000, 2001)
        figures["fps_2000"].append(panning_fps(page))
        browser.close()
    return figures


def main() -> None:
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        raise SystemExit("build the web app first: make frontend")
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.GRAPH_NAME = f"bench_frontend_{uuid.uuid4().hex[:8]}"
    store = get_graph()
    ensure_schema(store)
    web = None
    try:
        work = Path(settings.VAR_DIR) / "frontend"
        work.mkdir(parents=True, exist_ok=True)
        hub, lone = world(work / "hub.dat")
        ingest(work / "hub.dat", "blk")
        user, created = get_user_model().objects.get_or_create(username="bench")
        user.set_password(PASSWORD)
        user.save()
        if created:
            Membership.objects.create(user=user, team=Team.objects.get_or_create(name="bench")[0])
        web, port = serve(store.graph_name)
        url = f"http://127.0.0.1:{port}"
        figures = measure(url, hub, lone)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        store.delete_graph()
        if started_server:
            server.stop()
    report(figures)


def report(figures: dict[str, list[float]]) -> None:
    small, big = statistics.median(figures["small"]), statistics.median(figures["500"])
    fps_small, fps_big = figures["fps_small"][0], figures["fps_2000"][0]
    met = lambda ok: "met" if ok else "not met"  # noqa: E731
    body = "\n".join([
        f"Machine: {machine()}, headless Chromium ({CHROMIUM}) at 1280×720, driven by Playwright. Command: "
        f"`.venv/bin/python -m bench.frontend`. First render: median of {RUNS} navigations to the explorer, "
        "until the graph is drawn. Panning: the mouse drags the canvas for 3 s.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| first render, 2-node neighbourhood (baseline) | {small:,.0f} ms | |",
        f"| first render, 501-node neighbourhood | {big:,.0f} ms ({big / small:.1f} × the baseline) "
        f"| ≤ 1.5 s: {met(big <= 1500)} |",
        f"| panning, 2 nodes (baseline) | {fps_small:.0f} fps | |",
        f"| panning, 2,001 nodes | {fps_big:.0f} fps ({fps_big / fps_small:.2f} of the baseline) "
        f"| ≥ 30 fps: {met(fps_big >= 30)} |",
    ])  # fmt: skip
    print(body)
    write_section("Web app", body)


if __name__ == "__main__":
    main()
