"""Media benchmark: `python -m bench.media [--runs N]`.

1. Upload-and-process throughput for a 12-megapixel JPEG through `api.domain.media.upload`
   (sniff, full decode, EXIF orientation, sRGB, clean re-encode, three WebP variants,
   placeholder, content-addressed storage, database rows), beside a baseline measured in the
   same run: plain Pillow decoding and re-saving the same JPEG (no variants, no Guildhall).
2. Time to serve a 1 MB range of a stored 24 MB video through the ASGI app (`/media/...`),
   beside reading the same megabyte straight from the file.
3. Peak memory while processing: each measurement runs in a fresh child process and reports
   its peak RSS (`ru_maxrss`; Pillow's pixel buffers live outside Python's allocator) and the
   peak of Python allocations (`tracemalloc`).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

WIDTH, HEIGHT = 4000, 3000  # 12 megapixels


def make_photo() -> bytes:
    """A photo-like 12 MP JPEG: smooth gradients with grain (compresses like a real photo)."""
    from PIL import Image

    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((WIDTH, HEIGHT)),
            Image.radial_gradient("L").resize((WIDTH, HEIGHT)),
            Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT)),
        ],
    )
    grain = Image.effect_noise((WIDTH, HEIGHT), 24).convert("RGB")
    photo = Image.blend(base, grain, 0.25)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return out.getvalue()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child_baseline(data: bytes, runs: int) -> dict:
    from PIL import Image

    rss_before = _rss_mb()
    tracemalloc.start()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            image.save(out, "JPEG", quality=88, progressive=True)
        times.append(time.perf_counter() - start)
    _, peak = tracemalloc.get_traced_memory()
    return {"times": times, "rss_before_mb": rss_before, "rss_peak_mb": _rss_mb(), "py_peak_mb": peak / 2**20}


def _child_baseline_variants(data: bytes, runs: int) -> dict:
    """Pillow alone doing the same image work: decode, save JPEG, three WebP sizes."""
    from PIL import Image

    rss_before = _rss_mb()
    tracemalloc.start()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image.save(io.BytesIO(), "JPEG", quality=88, progressive=True)
            current = image
            for size in (1280, 640, 160):
                current = current.copy()
                current.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
                current.save(io.BytesIO(), "WEBP", quality=82, method=4)
        times.append(time.perf_counter() - start)
    _, peak = tracemalloc.get_traced_memory()
    return {"times": times, "rss_before_mb": rss_before, "rss_peak_mb": _rss_mb(), "py_peak_mb": peak / 2**20}


async def _with_db(root: Path, work):
    from api.db import close_db, init_db, migrate
    from api.settings import Settings, set_settings

    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite://{root / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(root / "media"),
            "DATA_DIR": str(root / "data"),
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
            "RUN_WORKERS": "false",
            "MEDIA_UPLOADS_PER_MINUTE": "100000",
            "MEDIA_QUOTA_BYTES": str(10**12),
            "MEDIA_MAX_VIDEO_BYTES": str(10**9),
        },
        env_file=None,
    )
    set_settings(settings)
    await init_db(settings)
    await migrate(settings)
    try:
        return await work(settings)
    finally:
        await close_db()


async def _member():
    from api.models.accounts import User

    return await User.create(
        username="bench", username_key="bench", email="bench@example.org", password_hash="x", display_name="Bench"
    )


def _child_guildhall(data: bytes, runs: int) -> dict:
    from api.domain import media
    from api.models.media import MediaPurpose

    async def work(settings):
        user = await _member()
        rss_before = _rss_mb()
        tracemalloc.start()
        times = []
        for run in range(runs):
            # Distinct bytes each run (ignored after the JPEG end marker): a repeated upload
            # would reuse the first processing and measure nothing.
            unique = data + run.to_bytes(4, "big")
            start = time.perf_counter()
            await media.upload(
                user, media.UploadedFile("photo.jpg", io.BytesIO(unique)), MediaPurpose.POST, "", settings=settings
            )
            times.append(time.perf_counter() - start)
        _, peak = tracemalloc.get_traced_memory()
        return {"times": times, "rss_before_mb": rss_before, "rss_peak_mb": _rss_mb(), "py_peak_mb": peak / 2**20}

    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_with_db(Path(tmp), work))


def _child_range(runs: int) -> dict:
    import httpx

    from api.app import create_app
    from api.domain import media
    from api.models.media import MediaPurpose

    header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
    video = header + os.urandom(24 * 2**20)
    start_at, length = 5 * 2**20, 2**20

    async def work(settings):
        user = await _member()
        stored = await media.upload(
            user, media.UploadedFile("clip.mp4", io.BytesIO(video)), MediaPurpose.RESOURCE, "", settings=settings
        )
        app = create_app(settings, manage_db=False)
        url = f"/media/{stored.sha256}.mp4"
        headers = {"Range": f"bytes={start_at}-{start_at + length - 1}"}
        served = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for _ in range(runs):
                t = time.perf_counter()
                response = await client.get(url, headers=headers)
                served.append(time.perf_counter() - t)
                if response.status_code != 206 or response.content != video[start_at : start_at + length]:
                    raise SystemExit(f"bad range response {response.status_code}")
        path = Path(settings.media_root)
        blob = next(p for p in path.rglob(stored.sha256))
        direct = []
        for _ in range(runs):
            t = time.perf_counter()
            with open(blob, "rb") as f:
                f.seek(start_at)
                f.read(length)
            direct.append(time.perf_counter() - t)
        return {"served": served, "direct": direct}

    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_with_db(Path(tmp), work))


def _run_child(kind: str, runs: int, photo: Path | None) -> dict:
    command = [sys.executable, "-m", "bench.media", "--child", kind, "--runs", str(runs)]
    if photo:
        command += ["--photo", str(photo)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:8.2f} ms  "
        f"(min {min(values) * 1000:.2f}, max {max(values) * 1000:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child")
    parser.add_argument("--photo")
    args = parser.parse_args()
    if args.child:
        if args.child == "make":
            Path(args.photo).write_bytes(make_photo())
            print("{}")
            return
        data = Path(args.photo).read_bytes() if args.photo else b""
        result = {
            "baseline": lambda: _child_baseline(data, args.runs),
            "baseline_variants": lambda: _child_baseline_variants(data, args.runs),
            "guildhall": lambda: _child_guildhall(data, args.runs),
            "range": lambda: _child_range(args.runs * 4),
        }[args.child]()
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        # Made in a child too: Linux children inherit the parent's peak RSS (ru_maxrss) across exec.
        _run_child("make", args.runs, photo)
        size_mb = photo.stat().st_size / 2**20
        print(f"12 MP JPEG ({WIDTH}x{HEIGHT}, {size_mb:.1f} MB), {args.runs} runs each, 1 CPU thread per upload")
        baseline = _run_child("baseline", args.runs, photo)
        variants = _run_child("baseline_variants", args.runs, photo)
        guildhall = _run_child("guildhall", args.runs, photo)
    for name, result in (
        ("baseline: Pillow decode + save JPEG", baseline),
        ("baseline: Pillow decode + save JPEG + 3 WebP sizes", variants),
        ("Guildhall upload (clean + JPEG + 3 WebP + placeholder + store + rows)", guildhall),
    ):
        per_second = 1 / statistics.median(result["times"])
        print(f"  {name}")
        print(f"    time     {_ms(result['times'])}  -> {per_second:.2f} images/s, {per_second * 12:.1f} MP/s")
        print(
            f"    memory   peak RSS {result['rss_peak_mb']:.0f} MB (process at start {result['rss_before_mb']:.0f} MB,"
            f" +{result['rss_peak_mb'] - result['rss_before_mb']:.0f} MB); Python allocations peak "
            f"{result['py_peak_mb']:.0f} MB"
        )
    for name, result in (("decode + save", baseline), ("decode + save + 3 WebP", variants)):
        ratio = statistics.median(guildhall["times"]) / statistics.median(result["times"])
        print(f"  Guildhall / baseline ({name}) time: {ratio:.2f}x")
    ranged = _run_child("range", args.runs, None)
    print(f"1 MB range of a 24 MB video ({len(ranged['served'])} requests)")
    print(f"  served by /media (ASGI, in process)  {_ms(ranged['served'])}")
    print(f"  baseline: read from the file          {_ms(ranged['direct'])}")


if __name__ == "__main__":
    main()
