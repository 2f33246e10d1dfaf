#!/usr/bin/python3
# tests/browser/chat_browser.py: the chat demo in a real browser. Two headless Chromium pages
# open the demo; text typed into one (keystrokes, then Enter) must appear in the other, and
# in the first. A page opened afterwards with its scripts off must show it (the backlog is
# rendered into the HTML, escaped), and one with scripts must show it once, not again from
# its socket, then what is typed there. A screenshot of that last page is saved.
#
#   /usr/bin/python3 tests/browser/chat_browser.py build/demos/chat [screenshot.png]
#
# Chromium is driven over the Chrome DevTools Protocol, with python3-websockets as the
# protocol's WebSocket client. Exit 0 on success, 1 on failure, 77 when Chromium or the
# websockets module is missing (`make check-browser` and the doctest case report a skip).
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import websockets
except ImportError:
    print("skipped: python3-websockets is not installed")
    sys.exit(77)

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
                 if os.access(p, os.X_OK)), None)
TIMEOUT = 20


async def read_line_matching(stream, pattern):
    while True:
        line = await stream.readline()
        if not line:
            raise RuntimeError(f"process ended before printing {pattern!r}")
        m = re.search(pattern, line.decode(errors="replace"))
        if m:
            return m


class Devtools:
    """One browser-level CDP connection; commands go to a page through its session id."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    async def call(self, method, session=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        await self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(await self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    async def open_page(self, url, scripts=True):
        target = await self.call("Target.createTarget", url=url if scripts else "about:blank")
        attached = await self.call("Target.attachToTarget", targetId=target["targetId"],
                                   flatten=True)
        session = attached["sessionId"]
        if not scripts:
            # The page's own scripts do not run (DevTools' evaluations still do).
            await self.call("Emulation.setScriptExecutionDisabled", session, value=True)
            await self.call("Page.navigate", session, url=url)
            await self.wait_for(session, f"location.href === {json.dumps(url)} && "
                                "document.readyState === 'complete'", "the page to load")
        return session

    async def evaluate(self, session, expression):
        r = await self.call("Runtime.evaluate", session, expression=expression,
                            returnByValue=True)
        return r.get("result", {}).get("value")

    async def wait_for(self, session, expression, what):
        for _ in range(TIMEOUT * 20):
            if await self.evaluate(session, expression):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what}")

    async def type_and_enter(self, session, text):
        await self.evaluate(session, "document.getElementById('message').focus()")
        await self.call("Input.insertText", session, text=text)
        for kind in ("keyDown", "keyUp"):
            await self.call("Input.dispatchKeyEvent", session, type=kind, key="Enter",
                            code="Enter", windowsVirtualKeyCode=13,
                            **({"text": "\r"} if kind == "keyDown" else {}))


MESSAGES = "Array.from(document.querySelectorAll('#inbox .message')).map(d => d.textContent)"


async def run(demo, screenshot):
    chat = await asyncio.create_subprocess_exec(demo, "--port=0", stderr=subprocess.PIPE)
    profile = tempfile.mkdtemp(prefix="chat-browser-")
    browser = None
    try:
        m = await asyncio.wait_for(
            read_line_matching(chat.stderr, r"listening on ([0-9.]+):([0-9]+)"), TIMEOUT)
        url = f"http://{m.group(1)}:{m.group(2)}/"
        browser = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}", "about:blank",
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        m = await asyncio.wait_for(
            read_line_matching(browser.stderr, r"DevTools listening on (ws://\S+)"), TIMEOUT)
        # Chromium's stderr keeps coming; read it so that the pipe never fills.
        asyncio.ensure_future(browser.stderr.read())
        async with websockets.connect(m.group(1), max_size=None, ping_interval=None) as ws:
            cdp = Devtools(ws)
            first = await cdp.open_page(url)
            second = await cdp.open_page(url)
            for page in (first, second):
                await cdp.wait_for(page, "document.body && document.body.dataset.connected === 'yes'",
                                   "the page's WebSocket to open")
            text = "hello from the first page <b>not bold</b>"
            await cdp.type_and_enter(first, text)
            check = f"{MESSAGES}.includes({json.dumps(text)})"
            await cdp.wait_for(second, check, "the message in the second page")
            await cdp.wait_for(first, check, "the message in the first page")
            # Inserted as text, not markup: no <b> element appeared.
            assert not await cdp.evaluate(second, "!!document.querySelector('#inbox b')")
            print("ok: typed in one page, shown in both:", await cdp.evaluate(second, MESSAGES))
            # The backlog is in the page's HTML: shown with the page's scripts off, escaped.
            static = await cdp.open_page(url, scripts=False)
            assert await cdp.evaluate(static, MESSAGES) == [text], "backlog not in the HTML"
            assert not await cdp.evaluate(static, "!!document.querySelector('#inbox b')")
            assert await cdp.evaluate(static, "document.body.dataset.connected") is None
            print("ok: the backlog is in the page's HTML:", await cdp.evaluate(static, MESSAGES))
            # A newcomer with scripts: once its socket is open, a message typed there arrives
            # after the backlog, and the backlog is not repeated.
            third = await cdp.open_page(url)
            await cdp.wait_for(third, "document.body && document.body.dataset.connected === 'yes'",
                               "the third page's WebSocket to open")
            assert await cdp.evaluate(third, MESSAGES) == [text], "backlog not in the page"
            later = "and a newcomer's <i>reply</i>"
            await cdp.type_and_enter(third, later)
            want = json.dumps([text, later], separators=(",", ":"))  # as JSON.stringify
            both = f"JSON.stringify({MESSAGES}) === {json.dumps(want)}"
            for page in (third, first):
                await cdp.wait_for(page, both, "the reply after the backlog, each once")
            assert not await cdp.evaluate(third, "!!document.querySelector('#inbox b, #inbox i')")
            print("ok: a newcomer sees the backlog once, then new messages:",
                  await cdp.evaluate(third, MESSAGES))
            if screenshot:
                shot = await cdp.call("Page.captureScreenshot", third, format="png")
                import base64
                os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
                with open(screenshot, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                print("screenshot:", screenshot)
    finally:
        for p in (browser, chat):
            if p and p.returncode is None:
                p.terminate()
                try:
                    await asyncio.wait_for(p.wait(), 10)
                except asyncio.TimeoutError:
                    p.kill()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        print("usage: chat_browser.py build/demos/chat [screenshot.png]")
        sys.exit(2)
    if CHROMIUM is None:
        print("skipped: chromium is not installed (apt-get install chromium)")
        sys.exit(77)
    try:
        asyncio.run(run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
    except Exception as e:
        print("FAILED:", type(e).__name__, e)
        sys.exit(1)


main()
