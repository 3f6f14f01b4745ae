// A receipt as a picture to share (e.g. with a family member who pays half): the same facts
// as the PDF, drawn on a canvas.
import type { Receipt } from '../../generated/wire';
import { money, yuan } from './money';

const FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

export interface ReceiptCardText {
  title: string;
  number: string;
  paidAt: string;
  payer: string;
  community: string;
  total: string;
  channel: string;
  txn: string;
}

export function drawReceiptCard(receipt: Receipt, text: ReceiptCardText): string {
  const width = 720;
  const rows = receipt.lines.length;
  const height = 420 + rows * 46 + 150;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#0b7d6e';
  ctx.fillRect(0, 0, width, 10);
  ctx.textAlign = 'center';
  ctx.fillStyle = '#6b7280';
  ctx.font = `24px ${FONT}`;
  ctx.fillText(receipt.issuer, width / 2, 70);
  ctx.fillStyle = '#111827';
  ctx.font = `700 44px ${FONT}`;
  ctx.fillText(text.title, width / 2, 130);
  ctx.textAlign = 'left';
  ctx.font = `22px ${FONT}`;
  ctx.fillStyle = '#6b7280';
  let y = 190;
  for (const [label, value] of [
    [text.number, receipt.number],
    [text.paidAt, new Date(Date.parse(receipt.paid_at) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')],
    [text.payer, receipt.payer],
    [text.community, `${receipt.community} ${receipt.unit}`],
  ] as const) {
    ctx.fillStyle = '#6b7280';
    ctx.fillText(label, 48, y);
    ctx.fillStyle = '#111827';
    ctx.fillText(value, 200, y);
    y += 40;
  }
  y += 10;
  ctx.strokeStyle = '#e5e7eb';
  ctx.beginPath();
  ctx.moveTo(48, y);
  ctx.lineTo(width - 48, y);
  ctx.stroke();
  for (const line of receipt.lines) {
    y += 46;
    ctx.textAlign = 'left';
    ctx.fillStyle = '#111827';
    ctx.fillText(line.name, 48, y);
    ctx.fillStyle = '#9ca3af';
    ctx.font = `18px ${FONT}`;
    ctx.fillText(`${line.period_from} – ${line.period_to}`, 250, y);
    ctx.font = `22px ${FONT}`;
    ctx.textAlign = 'right';
    ctx.fillStyle = '#111827';
    ctx.fillText(yuan(line.amount_minor), width - 48, y);
  }
  y += 70;
  ctx.textAlign = 'left';
  ctx.fillStyle = '#6b7280';
  ctx.fillText(text.total, 48, y);
  ctx.textAlign = 'right';
  ctx.fillStyle = '#0b7d6e';
  ctx.font = `700 40px ${FONT}`;
  ctx.fillText(money(receipt.amount_minor), width - 48, y);
  ctx.font = `20px ${FONT}`;
  ctx.fillStyle = '#9ca3af';
  ctx.textAlign = 'left';
  ctx.fillText(`${text.channel} · ${text.txn}`, 48, y + 50);
  return canvas.toDataURL('image/png');
}
