//! Demo data (`linli-server serve --demo`): one property company, two communities, three
//! residents (one with two households), a couple of months of realistic notices, and a year
//! of bills, payments and receipts with four quarters of the fee ledger ([`bills`]).
//!
//! Seeding runs only on an empty database, so restarting the demo keeps what residents did.
//! Times are relative to the server clock, so the notices always look recent.

mod bills;
pub mod tickets;

use crate::changes::{self, Scope};
use crate::features::auth::hash_password;
use crate::features::notices::{NewNotice, publish};
use chrono::{DateTime, Duration, Timelike, Utc};
use linli_wire::notices::{NoticeCategory as Cat, NoticePriority};
use linli_wire::sync::{ChangeOp, EntityKind};
use sqlx::SqlitePool;
use uuid::Uuid;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo1234";
/// 王芳: two households (翠湖花园 3栋2单元1502, owner; 锦绣江南 8栋601, tenant).
pub const WANG_FANG_PHONE: &str = "13800000001";
/// 李强: 翠湖花园 5栋1单元302.
pub const LI_QIANG_PHONE: &str = "13800000002";
/// 张伟: 锦绣江南 2栋1101.
pub const ZHANG_WEI_PHONE: &str = "13800000003";

/// The demo accounts, as printed by `linli-server demo-accounts`.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    (
        WANG_FANG_PHONE,
        "王芳",
        "翠湖花园 3栋2单元1502（业主）、锦绣江南 8栋601（租户）",
    ),
    (LI_QIANG_PHONE, "李强", "翠湖花园 5栋1单元302（业主）"),
    (ZHANG_WEI_PHONE, "张伟", "锦绣江南 2栋1101（家属）"),
];

const COMPANY: &str = "安居物业服务有限公司";

struct Site {
    name: &'static str,
    address: &'static str,
    phone: &'static str,
    publisher: &'static str,
}

const SITES: [Site; 2] = [
    Site {
        name: "翠湖花园",
        address: "杭州市西湖区文三路 188 号",
        phone: "0571-8888 6666",
        publisher: "翠湖花园物业服务中心",
    },
    Site {
        name: "锦绣江南",
        address: "杭州市滨江区江南大道 1999 号",
        phone: "0571-8666 8888",
        publisher: "锦绣江南物业服务中心",
    },
];

/// (site, building, entrance, room, area m² × 100)
const UNITS: &[(usize, &str, &str, &str, i64)] = &[
    (0, "3栋", "2单元", "1502", 8950),
    (0, "5栋", "1单元", "302", 12_030),
    (0, "1栋", "1单元", "801", 9_612),
    (1, "8栋", "", "601", 7_230),
    (1, "2栋", "", "1101", 14_388),
];

/// Parking spaces: (index into [`UNITS`], space).
const PARKING: &[(usize, &str)] = &[(0, "B2-117"), (4, "B1-032")];

/// A household of a demo resident: (index into [`UNITS`], role).
type Household = (usize, &'static str);

/// (phone, name, households)
const RESIDENTS: &[(&str, &str, &[Household])] = &[
    (WANG_FANG_PHONE, "王芳", &[(0, "owner"), (3, "tenant")]),
    (LI_QIANG_PHONE, "李强", &[(1, "owner")]),
    (ZHANG_WEI_PHONE, "张伟", &[(4, "family")]),
];

/// A demo notice: site, days before now it was published, category, urgent, pinned, title,
/// summary, body, and an event window as (days from now, start hour, hours).
struct Demo {
    site: usize,
    days_ago: i64,
    category: Cat,
    urgent: bool,
    pinned: bool,
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    window: Option<(i64, u32, i64)>,
}

#[allow(clippy::too_many_arguments)]
const fn n(
    site: usize,
    days_ago: i64,
    category: Cat,
    urgent: bool,
    pinned: bool,
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    window: Option<(i64, u32, i64)>,
) -> Demo {
    Demo {
        site,
        days_ago,
        category,
        urgent,
        pinned,
        title,
        summary,
        body,
        window,
    }
}

const NOTICES: &[Demo] = &[
    n(
        0,
        0,
        Cat::WaterOutage,
        true,
        true,
        "关于3栋、5栋临时停水的通知",
        "因二次供水泵房检修，明日 9:00–15:00 停水，请提前储水。",
        "尊敬的各位业主：\n\n因二次供水泵房水泵检修，3栋、5栋将于明日 9:00 至 15:00 暂停供水。请您提前做好储水准备，停水期间请关闭家中水龙头，以免来水时造成浸泡。\n\n恢复供水初期水质可能略有浑浊，请放水 1–2 分钟后再使用。给您带来不便，敬请谅解。\n\n如有疑问请致电物业服务中心：0571-8888 6666。",
        Some((1, 9, 6)),
    ),
    n(
        0,
        1,
        Cat::ElevatorMaintenance,
        false,
        false,
        "3栋2单元电梯例行维保",
        "本周四 14:00–16:00 电梯维保，期间请走楼梯。",
        "各位业主：\n\n根据《电梯维护保养规则》，3栋2单元客梯将于本周四 14:00–16:00 进行半月例行维保，期间电梯暂停使用。\n\n行动不便的住户如需协助，请提前联系管家，我们将安排人员上门帮忙。",
        Some((3, 14, 2)),
    ),
    n(
        0,
        2,
        Cat::PowerOutage,
        true,
        false,
        "配电房检修停电通知",
        "周六 8:30–12:00 1–5栋公共照明及电梯停电。",
        "尊敬的业主：\n\n接供电公司通知，小区配电房将于本周六 8:30–12:00 进行设备检修，届时 1–5 栋公共照明、电梯、地下车库照明将暂停供电，户内用电不受影响。\n\n请您合理安排出行，检修期间勿乘坐电梯。",
        Some((5, 8, 4)),
    ),
    n(
        0,
        3,
        Cat::CommunityEvent,
        false,
        true,
        "“邻里一家亲”周末市集邀您参加",
        "本周日中心花园举办二手市集、亲子手工和义诊。",
        "亲爱的邻居们：\n\n本周日 9:00–12:00，物业服务中心将在中心花园举办“邻里一家亲”周末市集：二手好物交换、亲子手工坊、社区医院义诊（量血压、测血糖）。\n\n欢迎带上家中闲置物品参与交换，现场还有免费磨刀和家电清洗咨询。",
        Some((6, 9, 3)),
    ),
    n(
        0,
        5,
        Cat::FireSafety,
        false,
        false,
        "冬季消防安全提示",
        "天气干燥，请勿在楼道堆放杂物，电动车禁止入户充电。",
        "各位业主：\n\n冬季天干物燥，是火灾高发季节，请注意：\n\n一、楼道、消防通道严禁堆放杂物；\n二、电动自行车及其电池严禁进入电梯、楼道和户内充电，请使用小区集中充电桩；\n三、使用取暖器、电热毯时人走断电。\n\n物业将于下周开展楼道杂物清理，请配合。",
        None,
    ),
    n(
        0,
        7,
        Cat::FireSafety,
        false,
        false,
        "11月消防演练通知",
        "下周三 15:00 开展全员消防疏散演练。",
        "为提高业主火灾应急逃生能力，物业将联合辖区消防站于下周三 15:00 开展消防疏散演练，演练期间消防警报将鸣响约 5 分钟，请勿惊慌。\n\n欢迎业主到中心广场参加灭火器使用培训。",
        Some((9, 15, 1)),
    ),
    n(
        0,
        9,
        Cat::Fees,
        false,
        false,
        "2027年度物业费缴纳通知",
        "物业费标准 2.80 元/㎡·月，可在“缴费”中在线缴纳。",
        "尊敬的业主：\n\n2027 年度物业服务费即日起开始收取，收费标准为 2.80 元/平方米·月（住宅），按年缴纳。\n\n您可以在邻里 App“缴费”页面在线缴纳，也可到物业服务中心办理。12 月 31 日前缴清全年费用的业主可参加年终抽奖活动。",
        None,
    ),
    n(
        0,
        12,
        Cat::General,
        false,
        false,
        "小区垃圾分类投放时间调整",
        "自下月起定时定点投放时间为 7:00–9:00、18:00–20:00。",
        "各位业主：\n\n根据街道垃圾分类工作要求，自下月 1 日起，小区生活垃圾定时定点投放时间调整为每日 7:00–9:00、18:00–20:00。\n\n其他时间请投放至东门误时投放点。感谢您对垃圾分类工作的支持！",
        None,
    ),
    n(
        0,
        14,
        Cat::WaterOutage,
        false,
        false,
        "二次供水水箱清洗公告",
        "水箱清洗消毒完成，水质检测报告已在公告栏公示。",
        "各位业主：\n\n小区二次供水水箱已于本月完成年度清洗消毒，经第三方检测机构检测，各项指标均符合《生活饮用水卫生标准》。检测报告已张贴于各单元公告栏。",
        None,
    ),
    n(
        0,
        17,
        Cat::CommunityEvent,
        false,
        false,
        "重阳节敬老活动回顾",
        "为 80 岁以上老人送上慰问品，感谢志愿者参与。",
        "重阳节当天，物业服务中心与社区居委会一起走访了小区 36 位 80 岁以上老人，送上慰问品和节日祝福。\n\n感谢 20 余位业主志愿者的参与，让我们的小区更有温度。",
        None,
    ),
    n(
        0,
        20,
        Cat::General,
        false,
        false,
        "地下车库照明改造完成",
        "车库照明已全部更换为感应式 LED 灯。",
        "地下车库照明改造工程已完成，全部更换为人体感应式 LED 灯，亮度提升的同时预计每年可节约公共电费约 40%。节约的费用将计入公共收益公示。",
        None,
    ),
    n(
        0,
        24,
        Cat::ElevatorMaintenance,
        false,
        false,
        "5栋1单元电梯更换曳引钢丝绳",
        "电梯已完成钢丝绳更换并通过特检院检验。",
        "5栋1单元客梯已完成曳引钢丝绳更换，并于昨日通过市特种设备检验研究院检验，现已恢复正常运行。感谢各位业主在施工期间的理解与配合。",
        None,
    ),
    n(
        0,
        28,
        Cat::Fees,
        false,
        false,
        "公共收益使用情况公示（三季度）",
        "三季度广告位及场地租赁收益 38,600 元，明细见公告栏。",
        "根据《物业管理条例》，现将本小区三季度公共收益情况公示如下：电梯广告收益 21,000 元，场地租赁收益 17,600 元，合计 38,600 元，已全部存入公共收益专户。\n\n支出明细及凭证可在物业服务中心查阅。",
        None,
    ),
    n(
        0,
        33,
        Cat::General,
        false,
        false,
        "快递柜迁移通知",
        "东门快递柜将迁移至 2 栋北侧架空层。",
        "为缓解东门人车混行问题，东门快递柜将于下周迁移至 2 栋北侧架空层，迁移期间快递将暂存物业服务中心，请凭取件码领取。",
        None,
    ),
    n(
        0,
        38,
        Cat::PowerOutage,
        false,
        false,
        "7栋电表箱改造停电",
        "7栋将于周二 9:00–11:00 停电进行电表箱改造。",
        "因电表箱老化改造，7栋全楼将于周二 9:00–11:00 停电，请提前关闭冰箱以外的电器。如家中有需要持续供电的医疗设备，请提前联系物业。",
        None,
    ),
    n(
        0,
        45,
        Cat::CommunityEvent,
        false,
        false,
        "业主篮球友谊赛报名",
        "欢迎 16 岁以上业主报名参赛，以楼栋为单位组队。",
        "小区第三届业主篮球友谊赛开始报名啦！以楼栋为单位组队，每队 8–12 人，报名截止本月底。比赛在小区篮球场进行，冠军队伍将获得奖杯和物业费抵用券。",
        None,
    ),
    n(
        0,
        52,
        Cat::General,
        false,
        false,
        "外墙清洗施工公告",
        "施工期间请关好窗户，注意高空作业区域。",
        "物业将对 1–4 栋外墙进行清洗，施工期间请关闭窗户，不要在作业区域下方停留，儿童请勿靠近警戒线。",
        None,
    ),
    n(
        0,
        60,
        Cat::Other,
        false,
        false,
        "关于开展业主满意度调查的通知",
        "第三方机构将开展年度满意度调查，感谢您的支持。",
        "为持续改进服务质量，物业委托第三方调查机构开展年度业主满意度调查，调查员将佩戴工作证上门或电话访问，您的意见将作为服务改进的重要依据。",
        None,
    ),
    n(
        1,
        0,
        Cat::PowerOutage,
        true,
        true,
        "锦绣江南计划停电通知",
        "后天 7:00–17:00 因电网升级全小区停电。",
        "尊敬的业主：\n\n接国网滨江供电公司通知，因片区电网升级改造，本小区将于后天 7:00–17:00 全部停电，电梯、门禁、水泵均受影响。\n\n停电期间物业将安排人员值守各楼栋门口，高层住户请提前储水。需要帮助的老人请联系管家。",
        Some((2, 7, 10)),
    ),
    n(
        1,
        1,
        Cat::WaterOutage,
        false,
        false,
        "8栋供水管道维修",
        "今晚 22:00–次日 2:00 8栋停水。",
        "8栋地下供水主管出现渗漏，物业将于今晚 22:00 至次日 2:00 进行抢修，届时 8 栋停水。给您带来不便，敬请谅解。",
        Some((0, 22, 4)),
    ),
    n(
        1,
        3,
        Cat::ElevatorMaintenance,
        false,
        false,
        "2栋电梯年度检验",
        "周五上午两部电梯轮流停用进行年检。",
        "2栋两部客梯将于本周五 9:00–12:00 轮流停用进行年度检验，同一时间至少保留一部电梯运行。",
        Some((4, 9, 3)),
    ),
    n(
        1,
        4,
        Cat::CommunityEvent,
        false,
        false,
        "周末亲子观影之夜",
        "周六 18:30 中心草坪露天电影，免费爆米花。",
        "本周六 18:30，中心草坪将举办露天亲子观影之夜，放映动画电影《寻梦环游记》。现场提供免费爆米花，请自带坐垫，注意防蚊。",
        Some((5, 18, 2)),
    ),
    n(
        1,
        6,
        Cat::FireSafety,
        false,
        false,
        "消防设施月度检查结果",
        "本月检查发现 3 处消防通道堵塞，已通知整改。",
        "本月消防设施检查已完成：消火栓、灭火器、应急照明均正常；发现 3 处消防通道堆放杂物，已张贴整改通知。请相关业主于三日内自行清理。",
        None,
    ),
    n(
        1,
        8,
        Cat::Fees,
        false,
        false,
        "停车费调整听证结果公示",
        "地面临时停车费维持不变，月租车位下调 20 元。",
        "经业主大会表决，地面临时停车收费标准维持不变；地下月租车位收费由 300 元/月调整为 280 元/月，自下月 1 日起执行。",
        None,
    ),
    n(
        1,
        11,
        Cat::General,
        false,
        false,
        "小区门禁系统升级",
        "门禁将支持人脸识别，请在 App 中录入人脸信息。",
        "为提升通行效率，小区门禁系统将升级为人脸识别，原门禁卡仍可继续使用。录入人脸信息完全自愿，信息仅用于门禁通行。",
        None,
    ),
    n(
        1,
        15,
        Cat::WaterOutage,
        false,
        false,
        "水表更换工作通知",
        "自来水公司将上门更换智能水表，请留意预约。",
        "自来水公司将于近期为小区住户免费更换智能远传水表，工作人员将提前电话预约上门时间，请注意核验工作证件。",
        None,
    ),
    n(
        1,
        19,
        Cat::CommunityEvent,
        false,
        false,
        "社区志愿者招募",
        "招募垃圾分类督导和老人陪伴志愿者。",
        "锦绣江南志愿服务队招募新成员：垃圾分类督导、独居老人陪伴、周末图书角管理。志愿服务时长可兑换物业积分。",
        None,
    ),
    n(
        1,
        26,
        Cat::FireSafety,
        false,
        false,
        "电动车集中充电棚启用",
        "6栋东侧新建充电棚已启用，扫码即可充电。",
        "6栋东侧电动自行车集中充电棚已建成启用，共 60 个充电口，支持扫码和刷卡，收费 1 元/4 小时。请勿将电动车推入楼道充电。",
        None,
    ),
    n(
        1,
        31,
        Cat::General,
        false,
        false,
        "绿化修剪及病虫害防治",
        "喷药期间请关闭门窗，看管好儿童和宠物。",
        "物业将于下周一至周三进行冬季绿化修剪及病虫害防治，喷药时段为 8:00–11:00，请关闭门窗，看管好儿童和宠物，避免接触绿化带。",
        None,
    ),
    n(
        1,
        40,
        Cat::Fees,
        false,
        false,
        "水电费代收说明",
        "水电费由物业代收代缴，明细可在 App 中查询。",
        "小区水电费由物业服务中心代收代缴，每月抄表后三日内在 App“缴费”中出账，账单包含上期读数、本期读数和单价，请按时缴纳。",
        None,
    ),
    n(
        1,
        48,
        Cat::Other,
        false,
        false,
        "失物招领",
        "中心花园拾获儿童滑板车一辆，请失主认领。",
        "物业保洁人员在中心花园拾获蓝色儿童滑板车一辆，请失主到物业服务中心认领。",
        None,
    ),
    n(
        1,
        57,
        Cat::CommunityEvent,
        false,
        false,
        "中秋游园会圆满结束",
        "感谢 300 多位邻居参与，猜灯谜获奖名单已公布。",
        "中秋游园会圆满结束，感谢 300 多位邻居参与。猜灯谜获奖名单已张贴在物业服务中心，请获奖业主凭房号领取奖品。",
        None,
    ),
];

/// Whether the database already holds demo data.
pub async fn is_seeded(db: &SqlitePool) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM communities)")
        .fetch_one(db)
        .await
}

fn at_hour(day: DateTime<Utc>, hour_beijing: u32) -> DateTime<Utc> {
    // Beijing is UTC+8 all year.
    let beijing = day + Duration::hours(8);
    let midnight = beijing
        .with_hour(0)
        .and_then(|d| d.with_minute(0))
        .and_then(|d| d.with_second(0))
        .and_then(|d| d.with_nanosecond(0))
        .unwrap_or(beijing);
    midnight + Duration::hours(i64::from(hour_beijing)) - Duration::hours(8)
}

/// Fills an empty database with the demo community. Does nothing if data exists.
pub async fn seed(db: &SqlitePool, now: DateTime<Utc>) -> anyhow::Result<bool> {
    if is_seeded(db).await? {
        return Ok(false);
    }
    let now_ms = now.timestamp_millis();
    let password_hash = hash_password(DEMO_PASSWORD)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let mut site_ids = Vec::new();
    for site in &SITES {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO communities (id, name, address, property_company, service_phone)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(site.name)
        .bind(site.address)
        .bind(COMPANY)
        .bind(site.phone)
        .execute(&mut *tx)
        .await?;
        site_ids.push(id);
    }
    let mut unit_ids = Vec::new();
    for (site, building, entrance, room, area) in UNITS {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO units (id, community_id, building, entrance, room, area_centi_m2)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(site_ids[*site].to_string())
        .bind(building)
        .bind(entrance)
        .bind(room)
        .bind(area)
        .execute(&mut *tx)
        .await?;
        unit_ids.push(id);
    }
    // The first household of each unit pays its bills in the demo history.
    let mut payers: Vec<Option<(Uuid, Uuid)>> = vec![None; UNITS.len()];
    for (phone, name, households) in RESIDENTS {
        let user = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO users (id, phone, display_name, password_hash, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(user.to_string())
        .bind(phone)
        .bind(name)
        .bind(&password_hash)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        for (order, (unit, role)) in households.iter().enumerate() {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO memberships (id, user_id, unit_id, role, state, created_at)
                 VALUES (?, ?, ?, ?, 'active', ?)",
            )
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(unit_ids[*unit].to_string())
            .bind(role)
            .bind(now_ms + i64::try_from(order).unwrap_or(0))
            .execute(&mut *tx)
            .await?;
            payers[*unit].get_or_insert((id, user));
            changes::record(
                &mut tx,
                EntityKind::Membership,
                id,
                ChangeOp::Upsert,
                Scope::User(user),
                now_ms,
            )
            .await?;
        }
    }
    for (index, payer) in payers.iter().enumerate() {
        let Some((membership_id, user_id)) = payer else {
            continue;
        };
        let unit = bills::SeedUnit {
            unit_id: unit_ids[index],
            membership_id: *membership_id,
            user_id: *user_id,
            area_centi_m2: UNITS[index].4,
            parking: PARKING
                .iter()
                .find(|(u, _)| *u == index)
                .map(|(_, space)| *space),
            salt: i64::try_from(index).unwrap_or(0),
        };
        bills::seed_unit(&mut tx, &unit, now).await?;
    }
    for (index, community) in site_ids.iter().enumerate() {
        bills::seed_ledger(
            &mut tx,
            *community,
            100 + 18 * i64::try_from(index).unwrap_or(0),
            now,
        )
        .await?;
    }
    tx.commit().await?;

    // Oldest first, so ids (UUIDv7) follow publication order.
    let mut ordered: Vec<&Demo> = NOTICES.iter().collect();
    ordered.sort_by_key(|demo| std::cmp::Reverse(demo.days_ago));
    for demo in ordered {
        let published_at =
            now - Duration::days(demo.days_ago) - Duration::minutes(37 + demo.days_ago * 13);
        let (starts_at, ends_at) = match demo.window {
            Some((days, hour, hours)) => {
                let start = at_hour(now + Duration::days(days), hour);
                (Some(start), Some(start + Duration::hours(hours)))
            }
            None => (None, None),
        };
        let notice = NewNotice {
            community_id: site_ids[demo.site],
            title: demo.title.to_owned(),
            summary: demo.summary.to_owned(),
            body: demo.body.to_owned(),
            category: demo.category,
            priority: if demo.urgent {
                NoticePriority::Urgent
            } else {
                NoticePriority::Normal
            },
            pinned: demo.pinned,
            publisher: SITES[demo.site].publisher.to_owned(),
            published_at,
            starts_at,
            ends_at,
            expires_at: None,
        };
        publish(db, &notice, now_ms).await?;
    }
    // Residents have read their older notices already; the recent ones stay unread.
    sqlx::query(
        "INSERT INTO notice_reads (user_id, notice_id, read_at)
         SELECT m.user_id, n.id, n.published_at + 3600000
         FROM memberships m JOIN units u ON u.id = m.unit_id
         JOIN notices n ON n.community_id = u.community_id
         WHERE n.published_at < ?",
    )
    .bind(now_ms - Duration::days(10).num_milliseconds())
    .execute(db)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_enough_realistic_notices() {
        assert!(NOTICES.len() >= 30, "the issue asks for 30+ notices");
        for site in 0..SITES.len() {
            assert!(
                NOTICES.iter().any(|n| n.site == site && n.urgent),
                "each community shows an urgent notice"
            );
        }
    }

    #[test]
    fn beijing_hours_are_placed_in_utc() {
        let day = DateTime::parse_from_rfc3339("2026-11-22T20:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        // 20:00 UTC is already 23 Nov 04:00 in Beijing; 9:00 Beijing that day is 01:00 UTC.
        assert_eq!(at_hour(day, 9).to_rfc3339(), "2026-11-23T01:00:00+00:00");
    }
}
