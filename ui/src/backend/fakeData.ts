// Demo content for the in-memory FakeBackend (fake.ts): the resident 王芳 with two households,
// their notices, the bills of 3栋2单元1502, a published ledger and the demo provider's checkout
// page. Only data lives here: every value is written out as the backend would send it (totals,
// overdue flags, read marks), so nothing in the fake computes what the core or backend decides.
import type { AccountView, Action, Bill, BillLine, DirectoryRoom, LedgerPeriod, Membership, Notice, NoticeCategory, PaymentOrder } from '../generated/wire';

/** The demo resident's phone and password (shown as hints; the fake signs anyone in). */
export const DEMO_PHONE = '13800000001';
export const DEMO_PASSWORD = 'demo1234';

const CUIHU = '0193a000-0000-7000-8000-000000000001';
const JINXIU = '0193a000-0000-7000-8000-000000000002';

function membership(id: string, community: string, name: string, building: string, entrance: string, room: string, role: Membership['role']): Membership {
  return {
    id,
    community: {
      id: community,
      name,
      address: name === '翠湖花园' ? '杭州市西湖区文三路 188 号' : '杭州市滨江区江南大道 1999 号',
      property_company: '安居物业服务有限公司',
      service_phone: name === '翠湖花园' ? '0571-8888 6666' : '0571-8666 8888',
    },
    unit: { id: `${id}-unit`, building, entrance, room, area_centi_m2: 8950 },
    role,
    state: 'active',
    ends_on: role === 'tenant' ? '2027-06-30' : null,
    // As the backend's rights matrix answers (crates/server/src/features/memberships/rules.rs).
    allowed: ALLOWED[role],
  };
}

const ALLOWED: Record<Membership['role'], Action[]> = {
  owner: ['report_repair', 'complain', 'issue_passes', 'read_notices', 'pay_bills', 'pay_property_fee', 'invite', 'see_members', 'manage_members', 'decide_home_requests', 'move_out'],
  family: ['report_repair', 'complain', 'issue_passes', 'read_notices', 'pay_bills', 'pay_property_fee', 'see_members', 'move_out'],
  tenant: ['report_repair', 'complain', 'issue_passes', 'read_notices', 'pay_bills', 'move_out'],
  other: [],
};

export const MEMBERSHIPS: Membership[] = [
  membership('0193a000-0000-7000-8000-0000000000a1', CUIHU, '翠湖花园', '3栋', '2单元', '1502', 'owner'),
  membership('0193a000-0000-7000-8000-0000000000a2', JINXIU, '锦绣江南', '8栋', '', '601', 'tenant'),
];

/** The directory of 翠湖花园 as the backend lists it (rooms of the entrances tests walk). */
export const DIRECTORY_ROOMS: Record<string, DirectoryRoom[]> = {
  '1栋/1单元': [
    { unit: { id: '0193a000-0000-7000-8000-0000000000b1', building: '1栋', entrance: '1单元', room: '801', area_centi_m2: 9612 }, owner_bound: false, owner_hint: '陈*' },
    { unit: { id: '0193a000-0000-7000-8000-0000000000b2', building: '1栋', entrance: '1单元', room: '802', area_centi_m2: 9612 }, owner_bound: false, owner_hint: '赵*' },
  ],
  '3栋/2单元': [{ unit: MEMBERSHIPS[0]!.unit, owner_bound: true, owner_hint: '王*' }],
};

export const DEMO_USER: AccountView['user'] = { id: '0193a000-0000-7000-8000-0000000000f1', display_name: '王芳', phone_masked: '138****0001' };

const HOUR = 3600_000;

/** The buildings the targeted demo notices name, by title (the rest concern everyone). */
const TARGETS: Record<string, string[]> = {
  '关于3栋、5栋临时停水的通知': ['3栋', '5栋'],
  '配电房检修停电通知': ['1栋', '2栋'],
  '8栋供水管道维修': ['8栋'],
};

/** The two communities' notices, dated relative to `now`. */
export function demoNotices(now: number): Notice[] {
  const rows: Array<[string, number, NoticeCategory, boolean, boolean, string, string, boolean]> = [
    [CUIHU, 2, 'water_outage', true, true, '关于3栋、5栋临时停水的通知', '因二次供水泵房检修，明日 9:00–15:00 停水，请提前储水。', false],
    [CUIHU, 20, 'elevator_maintenance', false, false, '3栋2单元电梯例行维保', '本周四 14:00–16:00 电梯维保，期间请走楼梯。', false],
    [CUIHU, 40, 'power_outage', true, false, '配电房检修停电通知', '周六 8:30–12:00 1–5栋公共照明及电梯停电。', false],
    [CUIHU, 70, 'community_event', false, true, '“邻里一家亲”周末市集邀您参加', '本周日中心花园举办二手市集、亲子手工和义诊。', false],
    [CUIHU, 120, 'fire_safety', false, false, '冬季消防安全提示', '天气干燥，请勿在楼道堆放杂物，电动车禁止入户充电。', true],
    [CUIHU, 200, 'fees', false, false, '2027年度物业费缴纳通知', '物业费标准 2.80 元/㎡·月，可在“缴费”中在线缴纳。', true],
    [CUIHU, 300, 'general', false, false, '小区垃圾分类投放时间调整', '自下月起定时定点投放时间为 7:00–9:00、18:00–20:00。', true],
    [CUIHU, 400, 'other', false, false, '关于开展业主满意度调查的通知', '第三方机构将开展年度满意度调查，感谢您的支持。', true],
    [JINXIU, 3, 'power_outage', true, true, '锦绣江南计划停电通知', '后天 7:00–17:00 因电网升级全小区停电。', false],
    [JINXIU, 30, 'water_outage', false, false, '8栋供水管道维修', '今晚 22:00–次日 2:00 8栋停水。', false],
    [JINXIU, 90, 'community_event', false, false, '周末亲子观影之夜', '周六 18:30 中心草坪露天电影，免费爆米花。', true],
    [JINXIU, 150, 'general', false, false, '地下车库照明改造完成', '车库照明已全部更换为节能灯，感谢各位业主的理解与配合。', true],
  ];
  return rows.map(([community, hoursAgo, category, urgent, pinned, title, summary, read], i) => ({
    id: `0193a000-0000-7000-8000-0000000001${String(i).padStart(2, '0')}`,
    community_id: community,
    title,
    summary,
    body: `${summary}\n\n请您合理安排，给您带来不便，敬请谅解。\n\n如有疑问请致电物业服务中心。`,
    category,
    priority: urgent ? 'urgent' : 'normal',
    pinned,
    publisher: community === CUIHU ? '翠湖花园物业服务中心' : '锦绣江南物业服务中心',
    published_at: new Date(now - hoursAgo * HOUR).toISOString(),
    starts_at: urgent ? new Date(now + 24 * HOUR).toISOString() : null,
    ends_at: urgent ? new Date(now + 30 * HOUR).toISOString() : null,
    expires_at: null,
    service_back_at: category.endsWith('_outage') && urgent ? new Date(now + 30 * HOUR).toISOString() : null,
    targets: (TARGETS[title] ?? []).map((building) => ({ building, entrance: null })),
    // As the backend decides it for 王芳 (翠湖花园 3栋, 锦绣江南 8栋).
    affects_me: !TARGETS[title] || TARGETS[title]!.some((b) => b === '3栋' || b === '8栋'),
    read_at: read ? new Date(now - hoursAgo * HOUR + HOUR).toISOString() : null,
    version: 1,
  }));
}

function line(id: string, name: string, fee: BillLine['fee_item'], amount: number, extra: Partial<BillLine> = {}): BillLine {
  return {
    id,
    fee_item: fee,
    name,
    period_from: '2026-10-01',
    period_to: '2026-12-31',
    quantity: '89.50',
    unit: 'm²',
    unit_price: '2.80',
    months: null,
    meter: null,
    amount_minor: amount,
    penalty_minor: 0,
    discount_minor: 0,
    paid_minor: 0,
    due_minor: amount,
    note: null,
    ...extra,
  };
}

/** A bill as the backend sends it; `paid` bills carry their lines paid in full. */
function bill(id: string, title: string, due: string, overdue: boolean, total: number, lines: BillLine[], paid = false): Bill {
  return {
    id,
    unit_id: MEMBERSHIPS[0]!.unit.id,
    title,
    period_from: lines[0]!.period_from,
    period_to: lines[0]!.period_to,
    issued_at: `${due}T01:00:00Z`,
    due_date: due,
    state: paid ? 'paid' : 'unpaid',
    overdue,
    currency: 'CNY',
    total_minor: total,
    paid_minor: paid ? total : 0,
    due_minor: paid ? 0 : total,
    lines: paid ? lines.map((l) => ({ ...l, paid_minor: l.amount_minor, due_minor: 0 })) : lines,
    open_order_id: null,
    paid_at: paid ? `${due}T12:00:00Z` : null,
  };
}

/** The bills of 3栋2单元1502: three unpaid (two past due), one paid. */
export function demoBills(): Bill[] {
  return [
    bill('0193a000-0000-7000-8000-00000000b001', '2026年第四季度物业费', '2026-10-15', true, 75180, [
      line('0193a000-0000-7000-8000-00000000c001', '物业服务费', 'property_fee', 75180, { months: 3 }),
    ]),
    bill('0193a000-0000-7000-8000-00000000b002', '2026年10月水电费', '2026-11-25', true, 16458, [
      line('0193a000-0000-7000-8000-00000000c002', '水费', 'water', 4407, {
        period_from: '2026-10-01', period_to: '2026-10-31', quantity: '11.3', unit: '吨', unit_price: '3.90',
        meter: { previous: '1062.4', current: '1073.7', read_on: '2026-10-31' }, note: '含污水处理费 1.00 元/吨',
      }),
      line('0193a000-0000-7000-8000-00000000c003', '电费', 'electricity', 12051, {
        period_from: '2026-10-01', period_to: '2026-10-31', quantity: '224', unit: '度', unit_price: '0.5380',
        meter: { previous: '12880', current: '13104', read_on: '2026-10-31' },
      }),
    ]),
    bill('0193a000-0000-7000-8000-00000000b003', '2026年第四季度停车费', '2026-12-31', false, 90000, [
      line('0193a000-0000-7000-8000-00000000c004', '地下车位管理费', 'parking', 90000, { quantity: '1', unit: '个', unit_price: '300.00', months: 3, note: '车位 B2-117' }),
    ]),
    bill('0193a000-0000-7000-8000-00000000b004', '2026年第三季度物业费', '2026-07-15', false, 75180, [
      line('0193a000-0000-7000-8000-00000000c005', '物业服务费', 'property_fee', 75180, { months: 3, period_from: '2026-07-01', period_to: '2026-09-30' }),
    ], true),
  ];
}

/** The community's published fee ledger: one quarter. */
export function demoLedger(): LedgerPeriod[] {
  return [{
    community_id: CUIHU,
    period: '2026-Q3',
    title: '2026年第三季度公共收益与物业费收支公示',
    period_from: '2026-07-01',
    period_to: '2026-09-30',
    published_at: '2026-10-12T02:00:00Z',
    currency: 'CNY',
    income_minor: 130_440_000,
    expense_minor: 61_740_000,
    balance_minor: 68_700_000,
    lines: [
      { direction: 'income', category: '物业服务费', name: '物业服务费收入', amount_minor: 126_840_000, note: '收缴率 93.6%' },
      { direction: 'income', category: '公共收益', name: '电梯广告位租金', amount_minor: 3_600_000, note: null },
      { direction: 'expense', category: '人员费用', name: '秩序维护人员薪酬及社保', amount_minor: 41_230_000, note: null },
      { direction: 'expense', category: '设施设备', name: '电梯维保及年检', amount_minor: 8_640_000, note: '24 台' },
      { direction: 'expense', category: '公共能耗', name: '公共区域水电费', amount_minor: 11_870_000, note: null },
    ],
    attachments: [{ name: '收支明细.csv', media_type: 'text/csv', size: 1024, href: '/v1/ledger/x/2026-Q3/attachments/0' }],
  }];
}

/** The demo provider's checkout page for an order: its amount and two forms (`confirm`,
 *  `fail`) shaped like the reference backend's. */
export function demoCheckoutPage(order: PaymentOrder): string {
  const yuan = `¥${(order.amount_minor / 100).toFixed(2)}`;
  const form = (action: string, label: string) =>
    `<form method="post" action="https://127.0.0.1/demo-pay/${order.id}/x/${action}" data-action="${action}"><button data-testid="demo-${action}" type="submit">${label}</button></form>`;
  return `<!doctype html><html><body><div class="amount">${yuan}</div>${form('confirm', `确认支付 ${yuan}`)}${form('fail', '模拟支付失败')}</body></html>`;
}

/** A 1×1 PNG: stands in for the core's drawing of a pass's QR code. */
export const PIXEL_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
