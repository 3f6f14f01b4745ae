// The picture a resident sends a visitor: the community, the QR, who it is for, when it
// opens and the short code, laid out like a ticket. Drawn on a canvas here because the face
// owns fonts and words; the core checks the PNG before it is saved or copied.

export interface PassCardText {
  community: string;
  title: string;
  visitor: string;
  purpose: string;
  window: string;
  schedule: string | null;
  codeLabel: string;
  code: string | null;
  hint: string;
}

const WIDTH = 720;
const TEAL = '#0f9d8a';
const TEAL_DARK = '#0b7d6e';
const FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the QR picture did not load'));
    img.src = src;
  });
}

/** Splits `text` into lines no wider than `max` (by characters, so Chinese wraps too). */
function wrap(ctx: CanvasRenderingContext2D, text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const ch of text) {
    if (ctx.measureText(line + ch).width > max && line) {
      lines.push(line);
      line = ch;
    } else {
      line += ch;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** Draws the card and returns it as a PNG data URL. `qr` is the core's QR PNG. */
export async function drawPassCard(qr: string, text: PassCardText): Promise<string> {
  const qrImage = await loadImage(qr);
  const measure = document.createElement('canvas').getContext('2d');
  if (!measure) throw new Error('no canvas');
  measure.font = `26px ${FONT}`;
  const windowLines = wrap(measure, text.window, WIDTH - 120);
  const scheduleLines = text.schedule ? wrap(measure, text.schedule, WIDTH - 120) : [];
  measure.font = `22px ${FONT}`;
  const hintLines = wrap(measure, text.hint, WIDTH - 120);

  // The core draws 8 px per module; keeping that size keeps every module whole and sharp.
  const natural = qrImage.naturalWidth;
  const qrSize = natural >= 200 && natural <= WIDTH - 120 ? natural : 440;
  const height = 170 + 40 + qrSize + 40 + 60 + (windowLines.length + scheduleLines.length) * 38 + (text.code ? 130 : 0) + hintLines.length * 32 + 70;
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas');

  ctx.fillStyle = '#eef6f4';
  ctx.fillRect(0, 0, WIDTH, height);
  roundRect(ctx, 24, 24, WIDTH - 48, height - 48, 28);
  ctx.fillStyle = '#ffffff';
  ctx.fill();

  // Header band: the community and what this is.
  ctx.save();
  roundRect(ctx, 24, 24, WIDTH - 48, 150, 28);
  ctx.clip();
  const band = ctx.createLinearGradient(24, 24, WIDTH - 24, 174);
  band.addColorStop(0, '#12a894');
  band.addColorStop(1, TEAL_DARK);
  ctx.fillStyle = band;
  ctx.fillRect(24, 24, WIDTH - 48, 150);
  ctx.restore();
  ctx.fillStyle = '#ffffff';
  ctx.textAlign = 'center';
  ctx.font = `600 28px ${FONT}`;
  ctx.fillText(text.community, WIDTH / 2, 82);
  ctx.font = `700 40px ${FONT}`;
  ctx.fillText(text.title, WIDTH / 2, 140);

  let y = 170 + 40;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(qrImage, (WIDTH - qrSize) / 2, y, qrSize, qrSize);
  y += qrSize + 40;

  ctx.fillStyle = '#111827';
  ctx.font = `700 36px ${FONT}`;
  ctx.fillText(text.visitor, WIDTH / 2, y);
  ctx.fillStyle = '#6b7280';
  ctx.font = `24px ${FONT}`;
  ctx.fillText(text.purpose, WIDTH / 2, y + 36);
  y += 60;
  ctx.fillStyle = '#374151';
  ctx.font = `26px ${FONT}`;
  for (const line of [...windowLines, ...scheduleLines]) {
    y += 38;
    ctx.fillText(line, WIDTH / 2, y);
  }

  if (text.code) {
    y += 30;
    ctx.setLineDash([10, 8]);
    ctx.strokeStyle = '#d1d5db';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(70, y);
    ctx.lineTo(WIDTH - 70, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#6b7280';
    ctx.font = `22px ${FONT}`;
    ctx.fillText(text.codeLabel, WIDTH / 2, y + 40);
    ctx.fillStyle = TEAL;
    ctx.font = `700 52px ${FONT}`;
    ctx.fillText(`${text.code.slice(0, 4)} ${text.code.slice(4)}`, WIDTH / 2, y + 96);
    y += 100;
  }

  ctx.fillStyle = '#9ca3af';
  ctx.font = `22px ${FONT}`;
  for (const line of hintLines) {
    y += 32;
    ctx.fillText(line, WIDTH / 2, y);
  }
  return canvas.toDataURL('image/png');
}
