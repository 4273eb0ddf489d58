"""Open a report in real headless Chromium over the DevTools protocol: errors, plots, screenshot.

Used by ``tests/test_report_browser.py`` and by hand to make the README's screenshot:

    .venv/bin/python tests/report_browser.py demo-out/report/index.html --screenshot docs/report-demo.png

Chromium is Debian's (``apt-get install -y chromium fonts-noto-cjk``), started with the flags
headless use needs on these machines and a fresh profile; the DevTools websocket is read with
``websocket-client``.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import websocket

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-port=0", "--remote-allow-origins=*", "--hide-scrollbars"]
WIDTH = 1280
PLOTS_JS = """JSON.stringify({
  plots: Array.from(document.querySelectorAll('svg.plot')).map(s => {
    const b = s.getBoundingClientRect();
    return {title: (s.querySelector('title') || {}).textContent || '', width: b.width, height: b.height,
            marks: s.querySelectorAll('rect.bar, rect.cell').length,
            drawn: Array.from(s.querySelectorAll('rect.bar, rect.cell')).filter(r => {
              const q = r.getBoundingClientRect(); return q.width > 0 && q.height > 0; }).length};
  }),
  sections: Array.from(document.querySelectorAll('section')).map(s => s.id),
  missing: Array.from(document.querySelectorAll('.missing')).map(m => m.textContent),
  height: document.documentElement.scrollHeight,
  external: Array.from(document.querySelectorAll('[src],link[href],script')).length
})"""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """A DevTools websocket session on one page: commands with replies, events collected."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < end:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == method:
                return
        raise TimeoutError(f"no {method} within {timeout}s")

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + str(p.get("exceptionDetails", {}).get("text")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + str(p["entry"].get("text")) + " " + str(p["entry"].get("url", "")))
        return out

    def close(self) -> None:
        self.ws.close()


def decode_png(data: bytes) -> np.ndarray:
    """RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium's screenshots are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6), f"unsupported PNG (depth {depth}, color type {color})"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * channels)
    out = np.zeros((height, width * channels), dtype=np.int32)
    for y in range(height):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        prev = out[y - 1] if y else np.zeros(width * channels, dtype=np.int32)
        if f == 0:
            out[y] = line
        elif f == 2:
            out[y] = (line + prev) & 255
        else:  # Sub, Average, Paeth depend on the pixel to the left: one pixel at a time
            row = np.zeros(width * channels, dtype=np.int32)
            for x in range(width * channels):
                a = row[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[x] = (line[x] + pred) & 255
            out[y] = row
    return out.reshape(height, width, channels).astype(np.uint8)


def check_report(html: Path, screenshot: Path | None = None, scale: float = 0.5,
                 max_height: int = 2400) -> dict[str, Any]:
    """Load ``html`` in headless Chromium; the console errors, what every plot drew, the screenshot's pixels."""
    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    with tempfile.TemporaryDirectory(prefix="cf-chromium-") as profile:
        proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},900",
                                 "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            end = time.monotonic() + 60
            while not (port_file.exists() and port_file.read_text().strip()):
                if proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"chromium did not open its DevTools port (exit {proc.poll()})")
                time.sleep(0.1)
            port = int(port_file.read_text().split()[0])
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
            page = next(t for t in targets if t.get("type") == "page")
            dt = DevTools(page["webSocketDebuggerUrl"])
            try:
                for domain in ("Runtime", "Log", "Page"):
                    dt.call(f"{domain}.enable")
                dt.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=900, deviceScaleFactor=1,
                        mobile=False)
                dt.call("Page.navigate", url=html.resolve().as_uri())
                dt.wait_for("Page.loadEventFired")
                info = json.loads(dt.call("Runtime.evaluate", expression=PLOTS_JS, returnByValue=True)["result"]["value"])
                height = min(int(info["height"]), max_height)
                shot = dt.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                               clip={"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": scale})
                time.sleep(0.2)  # late console messages
                dt.call("Runtime.evaluate", expression="1")
                errors = dt.errors()
            finally:
                dt.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    png = base64.b64decode(shot["data"])
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(png)
    pixels = decode_png(png)[..., :3]
    values, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    background = values[counts.argmax()].astype(int)
    not_background = float((np.abs(pixels.astype(int) - background).sum(axis=2) > 30).mean())
    return {**info, "errors": errors, "png_bytes": len(png), "png_shape": list(pixels.shape),
            "colours": int(len(values)), "non_background_share": not_background}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("html", type=Path)
    p.add_argument("--screenshot", type=Path)
    a = p.parse_args(argv)
    r = check_report(a.html, a.screenshot)
    print(json.dumps({k: v for k, v in r.items() if k != "plots"}, ensure_ascii=False, indent=1))
    print(f"{len(r['plots'])} plots, {sum(1 for x in r['plots'] if x['drawn'])} drawn")
    return 1 if r["errors"] or any(not x["drawn"] for x in r["plots"]) else 0


if __name__ == "__main__":
    sys.exit(main())
