//! Four published quarters of the fee ledger for every demo community: the income and
//! expense lines a property company reports, scaled per community.

use super::bills::*;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// (direction, category, name, amount in yuan for a community of scale 1.0, note)
const LEDGER: &[(&str, &str, &str, i64, Option<&str>)] = &[
    (
        "income",
        "物业服务费",
        "物业服务费收入",
        1_268_400,
        Some("收缴率 93.6%"),
    ),
    ("income", "物业服务费", "停车管理费收入", 214_200, None),
    (
        "income",
        "公共收益",
        "电梯广告位租金",
        36_000,
        Some("按合同季度结算"),
    ),
    ("income", "公共收益", "快递柜场地使用费", 9_600, None),
    ("income", "公共收益", "充电桩场地使用费", 12_850, None),
    (
        "expense",
        "人员费用",
        "秩序维护人员薪酬及社保",
        412_300,
        Some("门岗 6 人、巡逻 4 人"),
    ),
    ("expense", "人员费用", "保洁人员薪酬及社保", 198_600, None),
    (
        "expense",
        "人员费用",
        "工程维修人员薪酬及社保",
        156_900,
        None,
    ),
    (
        "expense",
        "设施设备",
        "电梯维保及年检",
        86_400,
        Some("24 台，含年检费"),
    ),
    ("expense", "设施设备", "消防设施维保", 31_500, None),
    ("expense", "设施设备", "二次供水水箱清洗消毒", 8_800, None),
    ("expense", "绿化保洁", "绿化养护及补种", 64_200, None),
    ("expense", "绿化保洁", "垃圾清运", 42_000, None),
    (
        "expense",
        "公共能耗",
        "公共区域水电费",
        118_700,
        Some("电梯、照明、水泵"),
    ),
    ("expense", "管理费用", "办公及通讯费用", 15_300, None),
    ("expense", "管理费用", "公众责任险", 12_000, None),
    ("expense", "税费", "增值税及附加", 88_900, None),
];

/// Publishes the four quarters before the current one for a community; `scale` (percent)
/// makes communities differ.
pub async fn seed_ledger(
    conn: &mut SqliteConnection,
    community: Uuid,
    scale: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let today = (now + Duration::hours(8)).date_naive();
    let quarter =
        NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).unwrap_or(today);
    for q in 1..=4_i64 {
        let from = add_months(quarter, -3 * q);
        let to = add_months(from, 3) - Duration::days(1);
        let key = format!("{}-Q{}", from.year(), from.month0() / 3 + 1);
        let title = format!(
            "{}年{}公共收益与物业费收支公示",
            from.year(),
            QUARTER_NAMES[(from.month0() / 3) as usize]
        );
        sqlx::query(
            "INSERT INTO ledger_periods (community_id, period, title, period_from, period_to,
                published_at, currency)
             VALUES (?, ?, ?, ?, ?, ?, 'CNY')",
        )
        .bind(community.to_string())
        .bind(&key)
        .bind(&title)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(beijing_ms(to + Duration::days(12), 10))
        .execute(&mut *conn)
        .await?;
        let mut csv = String::from("\u{feff}方向,类别,项目,金额(元),备注\r\n");
        for (position, (direction, category, name, yuan, note)) in LEDGER.iter().enumerate() {
            // Quarters differ a little: ±3% by quarter and line.
            let wobble = 100 + ((q * 7 + position as i64 * 3) % 7) - 3;
            let minor =
                yuan * 100 * scale / 100 * wobble / 100 + (q * 37 + position as i64 * 11) % 100;
            sqlx::query(
                "INSERT INTO ledger_lines (community_id, period, position, direction, category,
                    name, amount_minor, note)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(community.to_string())
            .bind(&key)
            .bind(position as i64)
            .bind(direction)
            .bind(category)
            .bind(name)
            .bind(minor)
            .bind(note)
            .execute(&mut *conn)
            .await?;
            csv.push_str(&format!(
                "{},{category},{name},{},{}\r\n",
                if *direction == "income" {
                    "收入"
                } else {
                    "支出"
                },
                decimal(minor, 2, 2),
                note.unwrap_or("")
            ));
        }
        let statement = format!(
            "{title}\n\n依据《物业管理条例》及业主大会决议，现将本期公共收益与物业服务费收支情况公示如下，\
公示期 15 天。如有疑问，请于公示期内联系物业服务中心或业主委员会。\n\n明细见附件《收支明细.csv》。\n"
        );
        for (position, (name, media_type, content)) in [
            ("收支明细.csv", "text/csv; charset=utf-8", csv.into_bytes()),
            (
                "公示说明.txt",
                "text/plain; charset=utf-8",
                statement.into_bytes(),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            sqlx::query(
                "INSERT INTO ledger_attachments (community_id, period, position, name, media_type,
                    content)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(community.to_string())
            .bind(&key)
            .bind(position as i64)
            .bind(name)
            .bind(media_type)
            .bind(content)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
