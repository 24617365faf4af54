"""Draws rangedesk's icon (a shooting target) and writes every size Tauri's bundler needs.

Run from anywhere with Pillow installed (Debian: python3-pil): /usr/bin/python3 icons/make-icons.py
Tauri's build refuses icons that are not RGBA, so every file is written as RGBA. One set serves every
bundle target: the PNGs are the Linux packages' hicolor icons (32, 64, 128, 256, 512; 128x128@2x is
the same 256 px for tools that look for that name), icon.ico the Windows installers' and the exe's,
icon.icns the macOS bundle's.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIZE = 1024  # drawn large, then downscaled, for smooth edges
RED = (192, 57, 43, 255)
WHITE = (250, 250, 247, 255)
INK = (27, 27, 27, 255)


def target() -> Image.Image:
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    centre = SIZE / 2
    # Rings from the outside in, alternating colours, on a dark rim that reads on light and dark panels.
    for i, radius in enumerate((0.49, 0.44, 0.35, 0.26, 0.17, 0.08)):
        fill = INK if i == 0 else (RED if i % 2 else WHITE)
        r = radius * SIZE
        draw.ellipse((centre - r, centre - r, centre + r, centre + r), fill=fill)
    # Crosshair through the bull, stopping short of the rim.
    arm, width = 0.42 * SIZE, int(0.022 * SIZE)
    draw.line((centre - arm, centre, centre + arm, centre), fill=INK, width=width)
    draw.line((centre, centre - arm, centre, centre + arm), fill=INK, width=width)
    return img


def main() -> None:
    big = target()

    def sized(px: int) -> Image.Image:
        return big.resize((px, px), Image.Resampling.LANCZOS).convert("RGBA")

    for name, px in (("32x32.png", 32), ("64x64.png", 64), ("128x128.png", 128), ("128x128@2x.png", 256), ("256x256.png", 256), ("icon.png", 512)):
        sized(px).save(HERE / name, format="PNG")
    sized(256).save(HERE / "icon.ico", format="ICO", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256)])
    # Pillow writes every ICNS size up to 512@2x from the 1024 px drawing.
    big.save(HERE / "icon.icns", format="ICNS")
    # The window's favicon, so the UI build needs no separate asset step.
    sized(64).save(HERE.parent / "ui" / "public" / "icon.png", format="PNG")


if __name__ == "__main__":
    main()
