//! Documents a resident keeps: a receipt as a PDF, the fee ledger as CSV.
//!
//! The receipt PDF is drawn here from the cached receipt, so it can be exported offline. Its
//! text is real text (krilla embeds a subset of a Chinese system font with a ToUnicode map),
//! so it prints sharp, can be searched and copied, and opens in any reader (checked with
//! poppler's pdftoppm and pdftotext in the tests). No Chinese font on the device is a clear
//! error, never a PDF full of empty boxes.
//!
//! The ledger CSV follows RFC 4180 (CRLF, quoting) in UTF-8 with a byte-order mark, which is
//! what spreadsheet programs need to read Chinese. Amounts are yuan with two decimals,
//! formatted from integer fen.

use std::path::Path;
use std::sync::Arc;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use linli_wire::bills::{LedgerDirection, LedgerPeriod, PaymentChannel, Receipt};
use skrifa::MetadataProvider as _;
use skrifa::instance::{LocationRef, Size};

use crate::error::Error;

/// Where desktop systems keep a Simplified Chinese font: (path, face index in a collection).
const SYSTEM_CJK_FONTS: &[(&str, u32)] = &[
    // Debian / Ubuntu fonts-noto-cjk: face 2 of the collection is Simplified Chinese.
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\simhei.ttf", 0),
];

/// A font that can write Chinese.
#[derive(Clone)]
pub struct CjkFont {
    data: Arc<Vec<u8>>,
    index: u32,
}

impl std::fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CjkFont")
            .field("bytes", &self.data.len())
            .field("index", &self.index)
            .finish()
    }
}

impl CjkFont {
    /// Loads `path` (face `index`), checking it can write 收据 and digits.
    pub fn load(path: &Path, index: u32) -> Result<Self, Error> {
        let data = std::fs::read(path).map_err(|err| {
            Error::Invalid(format!("cannot read the font {}: {err}", path.display()))
        })?;
        let font = Self {
            data: Arc::new(data),
            index,
        };
        let face = skrifa::FontRef::from_index(&font.data, index)
            .map_err(|_| Error::Invalid(format!("{} is not a font", path.display())))?;
        let charmap = face.charmap();
        if "收据¥0".chars().any(|c| charmap.map(c).is_none()) {
            return Err(Error::Invalid(format!(
                "{} cannot write Chinese",
                path.display()
            )));
        }
        Ok(font)
    }

    /// The first Chinese font found: `preferred` if given, else a known system font.
    pub fn find(preferred: Option<&Path>) -> Result<Self, Error> {
        if let Some(path) = preferred {
            return Self::load(path, 0).or_else(|_| Self::load(path, 2));
        }
        SYSTEM_CJK_FONTS
            .iter()
            .filter(|(path, _)| Path::new(path).exists())
            .find_map(|(path, index)| Self::load(Path::new(path), *index).ok())
            .ok_or_else(|| {
                Error::Invalid(
                    "no Chinese font was found on this device (install Noto Sans CJK)".into(),
                )
            })
    }

    fn krilla(&self) -> Result<Font, Error> {
        Font::new(self.data.clone().into(), self.index)
            .ok_or_else(|| Error::Internal("the Chinese font could not be used".into()))
    }

    /// Width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(face) = skrifa::FontRef::from_index(&self.data, self.index) else {
            return 0.0;
        };
        let charmap = face.charmap();
        let metrics = face.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| metrics.advance_width(g))
                    .unwrap_or(size * 0.5)
            })
            .sum()
    }
}

/// `12345` fen as `123.45`.
pub fn yuan(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// An amount in Chinese capital numerals as receipts print it: 柒佰伍拾壹元捌角整.
pub fn amount_in_words(minor: i64) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 3] = ["", "万", "亿"];
    if minor == 0 {
        return "零元整".to_owned();
    }
    let negative = minor < 0;
    let minor = minor.unsigned_abs();
    let yuan = minor / 100;
    let jiao = (minor / 10) % 10;
    let fen = minor % 10;
    let mut out = String::new();
    if yuan > 0 {
        let digits: Vec<u64> = yuan
            .to_string()
            .bytes()
            .map(|b| u64::from(b - b'0'))
            .collect();
        let len = digits.len();
        let mut zero = false;
        for (i, d) in digits.iter().enumerate() {
            let pos = len - 1 - i;
            if *d == 0 {
                zero = true;
            } else {
                if zero {
                    out.push('零');
                    zero = false;
                }
                out.push(DIGITS[*d as usize]);
                out.push_str(UNITS[pos % 4]);
            }
            if pos.is_multiple_of(4) && pos > 0 {
                // Close a 万/亿 group unless all four of its digits were zero.
                let start = i.saturating_sub(3);
                if digits[start..=i].iter().any(|d| *d != 0) {
                    out.push_str(GROUPS[pos / 4]);
                }
            }
        }
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(DIGITS[j as usize]);
            out.push_str("角整");
        }
        (j, f) => {
            if j > 0 {
                out.push(DIGITS[j as usize]);
                out.push('角');
            } else if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f as usize]);
            out.push('分');
        }
    }
    if negative { format!("负{out}") } else { out }
}

fn channel_name(channel: PaymentChannel) -> &'static str {
    match channel {
        PaymentChannel::WechatApp => "微信支付",
        PaymentChannel::AlipayApp => "支付宝",
        PaymentChannel::Stripe => "银行卡",
        PaymentChannel::Demo => "沙箱支付（演示）",
        PaymentChannel::Other => "其他",
    }
}

fn fill(r: u8, g: u8, b: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

struct Pen<'a, 'b> {
    surface: &'a mut Surface<'b>,
    font: Font,
    cjk: &'a CjkFont,
}

impl Pen<'_, '_> {
    fn text(&mut self, x: f32, y: f32, size: f32, color: (u8, u8, u8), text: &str) {
        self.surface.set_fill(Some(fill(color.0, color.1, color.2)));
        self.surface.draw_text(
            Point::from_xy(x, y),
            self.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn right(&mut self, right: f32, y: f32, size: f32, color: (u8, u8, u8), text: &str) {
        let width = self.cjk.width(text, size);
        self.text(right - width, y, size, color, text);
    }

    fn center(&mut self, middle: f32, y: f32, size: f32, color: (u8, u8, u8), text: &str) {
        let width = self.cjk.width(text, size);
        self.text(middle - width / 2.0, y, size, color, text);
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: (u8, u8, u8)) {
        let mut path = PathBuilder::new();
        path.move_to(x1, y1);
        path.line_to(x2, y2);
        if let Some(path) = path.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(color.0, color.1, color.2).into(),
                width,
                ..Default::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: (u8, u8, u8)) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            path.push_rect(rect);
        }
        if let Some(path) = path.finish() {
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(fill(color.0, color.1, color.2)));
            self.surface.draw_path(&path);
        }
    }
}

const INK: (u8, u8, u8) = (17, 24, 39);
const MUTED: (u8, u8, u8) = (107, 114, 128);
const TEAL: (u8, u8, u8) = (11, 125, 110);
const RULE: (u8, u8, u8) = (209, 213, 219);

/// The receipt as an A5 PDF (several pages when it has many lines).
pub fn receipt_pdf(receipt: &Receipt, cjk: &CjkFont) -> Result<Vec<u8>, Error> {
    const W: f32 = 420.0;
    const H: f32 = 595.0;
    const LEFT: f32 = 36.0;
    const RIGHT: f32 = W - 36.0;
    const LINES_PER_PAGE: usize = 14;
    let font = cjk.krilla()?;
    let paid_at = (receipt.paid_at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("收款收据 {}", receipt.number))
            .creator("邻里 Linli".to_owned())
            .language("zh-CN".to_owned()),
    );
    let chunks: Vec<_> = if receipt.lines.is_empty() {
        vec![&receipt.lines[..]]
    } else {
        receipt.lines.chunks(LINES_PER_PAGE).collect()
    };
    let pages = chunks.len();
    for (page_no, lines) in chunks.into_iter().enumerate() {
        let settings =
            PageSettings::from_wh(W, H).ok_or_else(|| Error::Internal("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            font: font.clone(),
            cjk,
        };
        pen.rect(0.0, 0.0, W, 6.0, TEAL);
        pen.center(W / 2.0, 44.0, 13.0, MUTED, &receipt.issuer);
        pen.center(W / 2.0, 76.0, 22.0, INK, "收款收据");
        pen.line(W / 2.0 - 52.0, 84.0, W / 2.0 + 52.0, 84.0, 1.0, TEAL);
        pen.text(
            LEFT,
            112.0,
            9.5,
            MUTED,
            &format!("收据编号 {}", receipt.number),
        );
        pen.right(RIGHT, 112.0, 9.5, MUTED, &format!("收款时间 {paid_at}"));

        let mut y = 140.0;
        for (label, value) in [
            ("缴款人", receipt.payer.as_str()),
            ("小区", receipt.community.as_str()),
            ("房号", receipt.unit.as_str()),
        ] {
            pen.text(LEFT, y, 10.5, MUTED, label);
            pen.text(LEFT + 56.0, y, 10.5, INK, value);
            y += 18.0;
        }

        y += 8.0;
        pen.rect(LEFT, y, RIGHT - LEFT, 22.0, (240, 247, 245));
        pen.text(LEFT + 8.0, y + 15.0, 10.0, MUTED, "收费项目");
        pen.text(LEFT + 150.0, y + 15.0, 10.0, MUTED, "所属期间");
        pen.right(RIGHT - 8.0, y + 15.0, 10.0, MUTED, "金额（元）");
        y += 22.0;
        for line in lines {
            y += 20.0;
            pen.text(LEFT + 8.0, y, 10.5, INK, &line.name);
            pen.text(
                LEFT + 150.0,
                y,
                10.0,
                MUTED,
                &format!("{} 至 {}", line.period_from, line.period_to),
            );
            pen.right(RIGHT - 8.0, y, 10.5, INK, &yuan(line.amount_minor));
            pen.line(LEFT, y + 7.0, RIGHT, y + 7.0, 0.5, RULE);
        }

        if page_no + 1 == pages {
            y += 34.0;
            pen.text(LEFT + 8.0, y, 11.0, MUTED, "合计");
            pen.right(
                RIGHT - 8.0,
                y,
                16.0,
                TEAL,
                &format!("¥{}", yuan(receipt.amount_minor)),
            );
            y += 20.0;
            pen.text(
                LEFT + 8.0,
                y,
                10.0,
                MUTED,
                &format!("人民币（大写）{}", amount_in_words(receipt.amount_minor)),
            );
            y += 30.0;
            for (label, value) in [
                ("支付方式", channel_name(receipt.channel)),
                ("交易单号", receipt.provider_txn_id.as_str()),
            ] {
                pen.text(LEFT + 8.0, y, 9.5, MUTED, label);
                pen.text(LEFT + 64.0, y, 9.5, INK, value);
                y += 16.0;
            }
        }
        pen.line(LEFT, H - 58.0, RIGHT, H - 58.0, 0.5, RULE);
        pen.text(
            LEFT,
            H - 40.0,
            8.5,
            MUTED,
            "本收据由邻里 App 依据物业收费系统的电子收据生成，收据编号可向物业服务中心查验。",
        );
        pen.right(
            RIGHT,
            H - 24.0,
            8.5,
            MUTED,
            &format!("第 {} 页 / 共 {pages} 页", page_no + 1),
        );
        drop(pen);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|err| Error::Internal(format!("write the receipt PDF: {err:?}")))
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A published ledger period as CSV (UTF-8 with BOM, CRLF).
pub fn ledger_csv(period: &LedgerPeriod) -> Vec<u8> {
    let mut out = String::from("\u{feff}期间,方向,类别,项目,金额(元),备注\r\n");
    for line in &period.lines {
        let direction = match line.direction {
            LedgerDirection::Income => "收入",
            LedgerDirection::Expense => "支出",
            LedgerDirection::Other => "其他",
        };
        let fields = [
            csv_field(&period.period),
            direction.to_owned(),
            csv_field(&line.category),
            csv_field(&line.name),
            yuan(line.amount_minor),
            csv_field(line.note.as_deref().unwrap_or("")),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    for (label, amount) in [
        ("收入合计", period.income_minor),
        ("支出合计", period.expense_minor),
        ("结余", period.balance_minor),
    ] {
        out.push_str(&format!(
            "{},,,{label},{},\r\n",
            csv_field(&period.period),
            yuan(amount)
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_capital_numerals() {
        assert_eq!(amount_in_words(75_180), "柒佰伍拾壹元捌角整");
        assert_eq!(amount_in_words(100), "壹元整");
        assert_eq!(amount_in_words(1_000_005), "壹万元零伍分");
        assert_eq!(amount_in_words(10_050_000), "壹拾万零伍佰元整");
        assert_eq!(
            amount_in_words(123_456_789),
            "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"
        );
        assert_eq!(amount_in_words(5), "伍分");
        assert_eq!(amount_in_words(0), "零元整");
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("电梯维保"), "电梯维保");
        assert_eq!(csv_field("含税, 年检"), "\"含税, 年检\"");
        assert_eq!(csv_field("说\"明\""), "\"说\"\"明\"\"\"");
        assert_eq!(yuan(75_180), "751.80");
        assert_eq!(yuan(-5), "-0.05");
    }
}
