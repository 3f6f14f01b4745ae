// An in-memory Backend with the demo resident 王芳, for unit tests and `npm run dev` in a
// plain browser. It keeps the core's rules: wrong password → invalid-credentials, reads need
// a session, marking read is idempotent, offline marks are queued (outbox) and flushed when
// `setOnline(true)`.
import type {
  AccountView,
  BlockedChoice,
  NewTicket,
  PhotoDraft,
  Ticket,
  TicketId,
  TicketStep,
  TicketView,
  Bill,
  BillId,
  LedgerPeriod,
  PaymentOrder,
  PaymentOrderId,
  Receipt,
  ReceiptId,
  CoreEvent,
  Locale,
  Membership,
  MembershipId,
  NewPass,
  Notice,
  NoticeCategory,
  NoticeId,
  PassId,
  PassView,
  SessionView,
  SyncStatus,
} from '../generated/wire';
import { type Backend, BackendError } from './contract';
import { FakeBilling } from './fakeBilling';

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
  };
}

const MEMBERSHIPS: Membership[] = [
  membership('0193a000-0000-7000-8000-0000000000a1', CUIHU, '翠湖花园', '3栋', '2单元', '1502', 'owner'),
  membership('0193a000-0000-7000-8000-0000000000a2', JINXIU, '锦绣江南', '8栋', '', '601', 'tenant'),
];

const HOUR = 3600_000;

function demoNotices(now: number): Notice[] {
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
    read_at: read ? new Date(now - hoursAgo * HOUR + HOUR).toISOString() : null,
    version: 1,
  }));
}

export class FakeBackend implements Backend {
  private signedIn = false;
  private current: MembershipId = MEMBERSHIPS[0]!.id;
  private locale: Locale = 'zh-CN';
  private online = true;
  private endedBecause: SessionView['ended_because'] = null;
  private readonly items: Notice[];
  private readonly pending = new Set<NoticeId>();
  private readonly listeners = new Set<(event: CoreEvent) => void>();
  private readonly passList: PassView[] = [];
  private passSeq = 0;
  /** Bills, orders, receipts and the ledger (tests reach in to check them). */
  readonly billing = new FakeBilling();
  /** What the last copy put on the clipboard (tests read it). */
  clipboard: string | null = null;
  /** Paths of saved pictures (tests read them). */
  readonly saved: string[] = [];

  constructor(options: { signedIn?: boolean; now?: number } = {}) {
    this.signedIn = options.signedIn ?? false;
    this.items = demoNotices(options.now ?? Date.now());
  }

  private account(): AccountView {
    return {
      user: { id: '0193a000-0000-7000-8000-0000000000f1', display_name: '王芳', phone_masked: '138****0001' },
      memberships: MEMBERSHIPS,
      current_membership_id: this.current,
    };
  }

  private requireSession(): void {
    if (!this.signedIn) throw new BackendError('not-signed-in', 'not signed in');
  }

  private emit(event: CoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private status(): SyncStatus {
    return { online: this.online, last_synced_at: null, outbox_pending: this.pending.size, outbox_rejected: 0 };
  }

  /** Test hook: the backend goes away or comes back. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.pending.clear();
    this.emit({ type: 'connectivity', online });
    this.emit({ type: 'outbox', pending: this.pending.size, rejected: 0 });
  }

  /** Test hook: the session is ended by the backend. */
  endSession(code: SessionView['ended_because'] & string): void {
    this.signedIn = false;
    this.endedBecause = code;
    this.emit({ type: 'session-ended', code });
  }

  async session(): Promise<SessionView> {
    return {
      account: this.signedIn ? this.account() : null,
      locale: this.locale,
      backend_url: 'https://127.0.0.1:8443',
      ended_because: this.signedIn ? null : this.endedBecause,
      notifications: this.notifications,
    };
  }

  /** Desktop notifications wanted (tests read it). */
  notifications = true;

  async setNotifications(on: boolean): Promise<void> {
    this.notifications = on;
  }

  async signIn(phone: string, password: string): Promise<AccountView> {
    if (!this.online) throw new BackendError('offline', 'the backend cannot be reached');
    if (phone.replace(/\s/g, '') !== DEMO_PHONE || password !== DEMO_PASSWORD) {
      throw new BackendError('invalid-credentials', 'wrong phone number or password');
    }
    this.signedIn = true;
    this.endedBecause = null;
    return this.account();
  }

  async signOut(): Promise<void> {
    this.signedIn = false;
    this.endedBecause = null;
  }

  async switchHousehold(id: MembershipId): Promise<AccountView> {
    this.requireSession();
    if (!MEMBERSHIPS.some((m) => m.id === id)) throw new BackendError('not-found', 'no such household');
    this.current = id;
    return this.account();
  }

  async setLocale(locale: Locale): Promise<void> {
    this.locale = locale;
  }

  private communityId(): string {
    return MEMBERSHIPS.find((m) => m.id === this.current)!.community.id;
  }

  async notices(): Promise<Notice[]> {
    this.requireSession();
    return this.items.filter((n) => n.community_id === this.communityId()).map((n) => ({ ...n }));
  }

  async notice(id: NoticeId): Promise<Notice> {
    this.requireSession();
    const found = this.items.find((n) => n.id === id);
    if (!found) throw new BackendError('not-found', 'no such notice');
    return { ...found };
  }

  async markNoticeRead(id: NoticeId): Promise<Notice> {
    this.requireSession();
    const found = this.items.find((n) => n.id === id);
    if (!found) throw new BackendError('not-found', 'no such notice');
    if (!found.read_at) {
      found.read_at = new Date().toISOString();
      if (!this.online) {
        this.pending.add(id);
        this.emit({ type: 'outbox', pending: this.pending.size, rejected: 0 });
      }
    }
    return { ...found };
  }

  async syncNow(): Promise<SyncStatus> {
    this.requireSession();
    return this.status();
  }

  async syncStatus(): Promise<SyncStatus> {
    return this.status();
  }

  async passes(): Promise<PassView[]> {
    this.requireSession();
    return this.passList.filter((p) => p.membership_id === this.current).map((p) => ({ ...p }));
  }

  async createPass(input: NewPass): Promise<PassView> {
    this.requireSession();
    if (!input.visitor_name.trim()) throw new BackendError('validation-failed', 'visitor name required');
    if (Date.parse(input.valid_until) <= Date.parse(input.valid_from)) {
      throw new BackendError('validation-failed', 'the window must end after it starts');
    }
    this.passSeq += 1;
    const id = `0193a000-0000-7000-8000-0000000002${String(this.passSeq).padStart(2, '0')}`;
    const view: PassView = {
      id,
      membership_id: this.current,
      visitor_name: input.visitor_name.trim(),
      plate: input.plate,
      purpose: input.purpose,
      valid_from: input.valid_from,
      valid_until: input.valid_until,
      max_entries: input.max_entries,
      entries_used: 0,
      entries: [],
      schedule: input.schedule,
      state: this.online ? 'active' : 'pending',
      payload: this.online ? `VP1:FAKE${this.passSeq}` : null,
      short_code: this.online ? String(10_000_000 + this.passSeq * 7919) : null,
      error: null,
    };
    this.passList.unshift(view);
    this.emit({ type: 'data-changed', kinds: ['pass'] });
    return { ...view };
  }

  /** A gate reports that the pass's visitor came in (browser preview and tests). */
  recordEntry(id: PassId, gateName: string, at: string): void {
    const pass = this.passList.find((p) => p.id === id);
    if (!pass) return;
    pass.entries.push({ id: `0193a000-0000-7000-8000-00000000e${pass.entries.length}0`, gate_id: 'g1', gate_name: gateName, gate_group: 'pedestrian', at });
    pass.entries_used = pass.entries.length;
    this.emit({ type: 'data-changed', kinds: ['pass'] });
  }

  async revokePass(id: PassId): Promise<PassView> {
    this.requireSession();
    if (!this.online) throw new BackendError('offline', 'revoking needs the network');
    const pass = this.passList.find((p) => p.id === id);
    if (!pass) throw new BackendError('not-found', 'no such pass');
    pass.state = 'revoked';
    return { ...pass };
  }

  async passQr(id: PassId): Promise<string> {
    const pass = this.passList.find((p) => p.id === id);
    if (!pass?.payload) throw new BackendError('not-found', 'not issued yet');
    // A 1×1 PNG stands in for the core's drawing in a plain browser.
    return 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
  }

  async savePicture(dataUrl: string, name: string): Promise<string> {
    if (!dataUrl.startsWith('data:image/png;base64,')) throw new BackendError('validation-failed', 'not a PNG');
    const path = `/home/resident/Pictures/${name}.png`;
    this.saved.push(path);
    return path;
  }

  async copyPicture(dataUrl: string): Promise<void> {
    if (!dataUrl.startsWith('data:image/png;base64,')) throw new BackendError('validation-failed', 'not a PNG');
    this.clipboard = dataUrl;
  }

  async copyText(text: string): Promise<void> {
    this.clipboard = text;
  }

  /** Queued and sent tickets (tests reach in). */
  readonly ticketList: TicketView[] = [];

  async preparePhoto(data: string): Promise<PhotoDraft> {
    this.requireSession();
    if (!data) throw new BackendError('photo-empty', 'empty');
    if (!data.startsWith('/9j/') && !data.startsWith('iVBOR')) throw new BackendError('photo-unreadable', 'not a picture');
    const id = crypto.randomUUID();
    const thumbnail = `data:image/jpeg;base64,${data}`;
    this.photos.set(id, thumbnail);
    return { id, thumbnail, width: 2016, height: 1512, bytes: 300_000 };
  }

  /** Photos the fake "server" holds, by attachment id (tests put after-photos here). */
  readonly photos = new Map<string, string>();

  async ticketPhoto(id: string, _full: boolean): Promise<string> {
    this.requireSession();
    const photo = this.photos.get(id);
    if (!photo) throw new BackendError('not-found', 'no such photo');
    return photo;
  }

  async submitTicket(input: NewTicket): Promise<TicketId> {
    this.requireSession();
    const id = crypto.randomUUID();
    const request = { ...input, id, membership_id: this.current, place_note: input.place_note, attachment_ids: input.photo_ids, bill_line_id: input.bill_line_id };
    const { photo_ids: _ids, ...rest } = request;
    this.ticketList.unshift({
      id,
      state: 'pending',
      request: rest,
      ticket: null,
      photos: input.photo_ids.map((p) => ({ id: p, sent: 0, total: 300_000, state: 'waiting' })),
      error: null,
    });
    this.emit({ type: 'data-changed', kinds: ['ticket'] });
    return id;
  }

  async tickets(): Promise<TicketView[]> {
    this.requireSession();
    return this.ticketList.map((t) => structuredClone(t));
  }

  async resolveBlockedTicket(id: TicketId, choice: BlockedChoice): Promise<void> {
    const index = this.ticketList.findIndex((t) => t.id === id);
    if (index < 0) throw new BackendError('not-found', 'no such report');
    if (choice === 'discard') this.ticketList.splice(index, 1);
    else {
      const view = this.ticketList[index]!;
      view.photos = view.photos.filter((p) => p.state !== 'rejected');
      view.state = 'pending';
    }
    this.emit({ type: 'data-changed', kinds: ['ticket'] });
  }

  async ticketStep(id: TicketId, step: TicketStep): Promise<Ticket> {
    this.requireSession();
    const view = this.ticketList.find((t) => t.id === id);
    if (!view?.ticket) throw new BackendError('not-found', 'no such ticket');
    const now = new Date().toISOString();
    const next: Record<string, Ticket['state']> = { cancel: 'canceled', confirm: 'confirmed', reopen: 'reopened', rate: 'closed' };
    if (step.step !== 'comment') view.ticket.state = next[step.step] ?? view.ticket.state;
    view.ticket.events.push({ id: crypto.randomUUID(), at: now, actor: 'resident', actor_name: '王芳', action: step.step === 'rate' ? 'rated' : step.step === 'comment' ? 'comment' : `${step.step}ed`, note: step.step === 'comment' ? step.text : null, attachment_ids: [] });
    if (step.step === 'rate') view.ticket.rating = step.rating;
    view.ticket.allowed = view.ticket.state === 'closed' ? [] : ['comment'];
    this.emit({ type: 'data-changed', kinds: ['ticket'] });
    return structuredClone(view.ticket);
  }

  async bills(): Promise<Bill[]> {
    this.requireSession();
    return this.billing.bills.map((b) => structuredClone(b));
  }

  async paymentOrders(): Promise<PaymentOrder[]> {
    this.requireSession();
    return this.billing.orders.map((o) => ({ ...o }));
  }

  async receipts(): Promise<Receipt[]> {
    this.requireSession();
    return this.billing.receipts.map((r) => structuredClone(r));
  }

  async ledger(): Promise<LedgerPeriod[]> {
    this.requireSession();
    return this.billing.ledger.map((p) => structuredClone(p));
  }

  async pay(billIds: BillId[]): Promise<PaymentOrder> {
    this.requireSession();
    if (!this.online) throw new BackendError('offline', 'paying needs the network');
    const order = this.billing.pay(billIds);
    this.emit({ type: 'data-changed', kinds: ['bill'] });
    return order;
  }

  async paymentOrder(id: PaymentOrderId): Promise<PaymentOrder> {
    this.requireSession();
    return this.billing.order(id);
  }

  /** The fake's provider answers at once: the order as it is now. */
  async followPayment(id: PaymentOrderId): Promise<PaymentOrder> {
    this.requireSession();
    if (!this.online) throw new BackendError('offline', 'following needs the network');
    return this.billing.order(id);
  }

  async cancelPayment(id: PaymentOrderId): Promise<PaymentOrder> {
    this.requireSession();
    const order = this.billing.cancel(id);
    this.emit({ type: 'data-changed', kinds: ['bill'] });
    return order;
  }

  async checkoutPage(id: PaymentOrderId): Promise<string> {
    this.requireSession();
    return this.billing.checkoutPage(id);
  }

  async checkoutAction(id: PaymentOrderId, url: string): Promise<PaymentOrder> {
    this.requireSession();
    const order = this.billing.act(id, url);
    this.emit({ type: 'data-changed', kinds: ['bill'] });
    return order;
  }

  async exportReceiptPdf(id: ReceiptId): Promise<string> {
    const receipt = this.billing.receipts.find((r) => r.id === id);
    if (!receipt) throw new BackendError('not-found', 'no such receipt');
    return `/home/resident/Downloads/收据-${receipt.number}.pdf`;
  }

  async exportLedgerCsv(period: string): Promise<string> {
    return `/home/resident/Downloads/收支公示-${period}.csv`;
  }

  async onEvent(listener: (event: CoreEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
