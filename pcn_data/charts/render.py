"""Chart images: `to_png` draws a figure as PNG in one headless Chromium (kaleido), started on
first use and kept warm for the process (the slide pack's PDF, and a chart PowerPoint has no type
for)."""

from __future__ import annotations

import asyncio
import atexit
import logging
import shutil
import threading

import plotly.graph_objects as go

from pcn_data.core.errors import RenderError

log = logging.getLogger(__name__)

RENDER_TIMEOUT = 60  # seconds for one image; a first image also waits for Chromium to start


def chromium_path() -> str | None:
    """Return the path of Debian's Chromium, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class _Renderer:
    """One kaleido browser (Debian's Chromium) on its own event-loop thread, opened once.

    Starting Chromium takes about two seconds and an image from a warm browser about a tenth
    of that, so a slide pack reuses one browser for all its images, and the process keeps it
    for the next pack. Calls from several threads queue on its tab.
    """

    def __init__(self, path: str) -> None:
        import kaleido  # here, not at the top: pages that draw no image never load it

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._thread.start()

        async def open_browser():
            # mathjax=False: kaleido would otherwise load MathJax from a CDN, and the charts use no
            # LaTeX; plotly.js comes from the installed plotly package, so nothing is downloaded.
            k = kaleido.Kaleido(path=path, mathjax=False, timeout=RENDER_TIMEOUT)
            await k.open()
            return k

        try:
            self._kaleido = self._run(open_browser())
        except BaseException:
            self._stop_loop()
            raise

    def _run(self, coro):
        """Return the result of a coroutine run on the browser's loop, waiting at most the timeout."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(RENDER_TIMEOUT + 10)

    def png(self, fig: go.Figure, width: int, height: int, scale: float) -> bytes:
        """Return the figure drawn as PNG bytes."""
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        return self._run(self._kaleido.calc_fig(fig.to_dict(), opts=opts))

    def close(self) -> None:
        """Close the browser and stop the loop."""
        try:
            self._run(self._kaleido.close())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def _warm_renderer() -> _Renderer:
    """Return the process's renderer, starting Chromium on first use."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            path = chromium_path()
            if path is None:
                raise RenderError(
                    "Chart images need Chromium, which is not installed: run `apt-get install chromium`."
                )
            try:
                _renderer = _Renderer(path)
            except Exception as exc:
                log.warning("Chromium not started for chart images", exc_info=exc)
                raise RenderError(f"Chromium could not be started to draw chart images ({exc}).") from exc
            atexit.register(close_renderer)
        return _renderer


def close_renderer() -> None:
    """Close the warm browser, if one is open (the next image starts a new one)."""
    global _renderer
    with _renderer_lock:
        renderer, _renderer = _renderer, None
    if renderer is not None:
        try:
            renderer.close()
        except Exception:  # noqa: BLE001 - a browser that died is closed already
            pass


def to_png(fig: go.Figure, *, width: int, height: int | None = None, scale: float = 2.0) -> bytes:
    """Return the figure as PNG bytes, width x height layout pixels (height: the figure's own)
    times scale, drawn by kaleido in the process's warm headless Chromium."""
    height = int(height or fig.layout.height or 480)
    try:
        return _warm_renderer().png(fig, width, height, scale)
    except RenderError:
        raise
    except Exception as exc:
        # A browser that crashed or hung is dropped, so that the next image starts a new one.
        close_renderer()
        log.warning("chart image not drawn", exc_info=exc)
        raise RenderError(f"A chart image could not be drawn ({type(exc).__name__}: {exc}).") from exc
