// An in-memory Backend for the UI's unit tests and `npm run dev` in a plain browser, over the
// demo content of fakeData.ts. It stores what it is given and returns what it holds; it decides
// nothing. What the core or the backend decides (a ticket's next state and `allowed` steps, a
// payment order's outcome, what waits in the outbox, a refusal) is never imitated here: a test
// scripts it (`script`, `fail`, `newPass`, `setOutbox`), so those rules live only in Rust, where
// tests/e2e and tests/webdriver check them. Unscripted decisions answer `internal`.
import type { BackendView, CreateInvitation, HomeMember, Invitation, InvitationId, JoinPreview, Membership } from '../generated/wire';
import type { Community, CommunityId, CreateHomeRequest, DirectoryRoom, HomeRequest, HomeRequestId, HomeRequestsView } from '../generated/wire';
import type { AccountView, BlockedChoice, NewTicket, PhotoDraft, Ticket, TicketId, TicketStep, TicketView } from '../generated/wire';
import type { Bill, BillId, LedgerPeriod, PaymentChannel, PaymentOrder, PaymentOrderId, Receipt, ReceiptId } from '../generated/wire';
import type { CoreEvent, EntityKind, Locale, MembershipId, NewPass, Notice, NoticeHit, NoticeId, PassId, PassView, SessionView, SmsCodeSent, SyncStatus } from '../generated/wire';
import { type Backend, BackendError } from './contract';
import { DIRECTORY_ROOMS, DEMO_USER, MEMBERSHIPS, PIXEL_PNG, demoBills, demoCheckoutPage, demoLedger, demoNotices } from './fakeData';

export { DEMO_PASSWORD, DEMO_PHONE } from './fakeData';

/** What the calls the core or backend decides answer: the ticket after a step, the order made
 *  or as it stands after a choice, the blocked report's view after the choice (null: gone),
 *  the account after leaving a home. */
interface Decisions {
  ticketStep: Ticket;
  pay: PaymentOrder;
  cancelPayment: PaymentOrder;
  checkoutAction: PaymentOrder;
  resolveBlockedTicket: TicketView | null;
  /** The account after leaving a home (which home is shown next is the core's to say). */
  leaveHousehold: AccountView;
  /** The invitation made (whether the owner may invite that number is the backend's to say). */
  invite: Invitation;
  /** The account after accepting an invitation. */
  acceptInvitation: AccountView;
  /** What a join link leads to (the backend's answer, its pin checked by the core). */
  previewJoin: JoinPreview;
  /** The community joined (the fake then keeps its backend, as the core would). */
  join: JoinPreview;
  /** The join link the core read in a picture. */
  readJoinQr: string;
  /** The communities of a typed address. */
  previewAddress: JoinPreview[];
  /** The home's members after removing one (who may be removed is the backend's to say). */
  removeMember: HomeMember[];
  /** A home request made (bound at once or pending: the backend's to say). */
  requestHome: HomeRequest;
  /** A home request after it was withdrawn, approved or refused. */
  cancelHomeRequest: HomeRequest;
  approveHomeRequest: HomeRequest;
  refuseHomeRequest: HomeRequest;
  /** The notices a search finds, ordered and marked (the core's to decide). */
  searchNotices: NoticeHit[];
}
type Decided = keyof Decisions;
/** A scripted answer: the value itself, or made from the call's arguments (and free to change
 *  the fake's books, as the backend would alongside). */
type Answer<K extends Decided> = Decisions[K] | ((...args: Parameters<Backend[K]>) => Decisions[K]);

export class FakeBackend implements Backend {
  private signedIn: boolean;
  private endedBecause: SessionView['ended_because'] = null;
  /** The resident's homes as the backend sent them (a test may give its own, e.g. with
   *  another `allowed`). */
  private readonly homes: Membership[];
  private current: MembershipId;
  private locale: Locale = 'zh-CN';
  private online = true;
  private outbox = { pending: 0, rejected: 0 };
  private readonly listeners = new Set<(event: CoreEvent) => void>();
  private readonly scripts: { [K in Decided]?: Answer<K>[] } = {};
  private readonly failures = new Map<keyof Backend, BackendError[]>();
  private seq = 0;

  /** The notices of both households (each shown to its own). */
  readonly items: Notice[];
  readonly passList: PassView[] = [];
  /** The current home's members, as the backend listed them (tests put them here). */
  readonly memberList: HomeMember[] = [];
  /** Invitations addressed to the resident (tests put them here). */
  readonly invitationList: Invitation[] = [];
  /** Test hook: the account has no home yet (a number just registered by SMS code); a
   *  scripted approval sets it back, as the backend's binding would. */
  unbound = false;
  /** Home requests as the core last synced them (tests put them here). */
  readonly homeRequestList: HomeRequestsView = { mine: [], to_decide: [] };
  /** Queued and sent tickets (tests put sent ones here). */
  readonly ticketList: TicketView[] = [];
  /** Photos the "server" holds, by attachment id (tests put after-photos here). */
  readonly photos = new Map<string, string>();
  /** Bills, payment orders, receipts and the ledger, as the core's cache would hold them. */
  readonly billing: { bills: Bill[]; orders: PaymentOrder[]; receipts: Receipt[]; ledger: LedgerPeriod[] } = {
    bills: demoBills(),
    orders: [],
    receipts: [],
    ledger: demoLedger(),
  };
  /** What the core answers for a new pass, laid over the pass as given: by default issued at
   *  once; a test of a pass made offline sets `{ state: 'pending', payload: null, short_code: null }`. */
  newPass: Partial<PassView> = {};
  /** Desktop notifications wanted (tests read it). */
  notifications = true;
  /** 长辈模式 and its offer answered (tests read and set them). */
  elderly = false;
  elderlyOffered = false;
  /** What the last copy put on the clipboard (tests read it). */
  clipboard: string | null = null;
  /** Paths of saved pictures (tests read them). */
  readonly saved: string[] = [];

  /** The backend the app talks to; null before joining (a test starts there with `joined: false`). */
  backendView: BackendView | null;

  constructor(options: { signedIn?: boolean; joined?: boolean; now?: number; memberships?: Membership[] } = {}) {
    this.signedIn = options.signedIn ?? false;
    this.homes = options.memberships ?? MEMBERSHIPS;
    this.current = this.homes[0]!.id;
    this.backendView = options.joined === false ? null : { url: 'https://127.0.0.1:8443', community_id: this.homes[0]!.community.id, community_name: this.homes[0]!.community.name, pinned: true, can_switch: true };
    this.items = demoNotices(options.now ?? Date.now());
  }

  /** Test hook: the next calls of a method the core or backend decides answer these, in turn. */
  script<K extends Decided>(method: K, ...answers: Answer<K>[]): void {
    ((this.scripts[method] ??= []) as Answer<K>[]).push(...answers);
  }

  /** Test hook: the next call of `method` is refused with `error`, as the core would refuse it. */
  fail(method: keyof Backend, error: BackendError): void {
    const queued = this.failures.get(method);
    if (queued) return void queued.push(error);
    // The first refusal for a method puts a gate before it, on this instance (spies still see the calls).
    const refusals = [error];
    this.failures.set(method, refusals);
    const through = this[method] as (...args: unknown[]) => Promise<unknown>;
    Object.assign(this, {
      [method]: async (...args: unknown[]) => {
        const refusal = refusals.shift();
        if (refusal) throw refusal;
        return through.apply(this, args);
      },
    });
  }

  /** Test hook: the backend goes away or comes back (what waits in the outbox is `setOutbox`'s). */
  setOnline(online: boolean): void {
    this.online = online;
    this.emit({ type: 'connectivity', online });
  }

  /** Test hook: the core reports what waits in its outbox. */
  setOutbox(pending: number, rejected = 0): void {
    this.outbox = { pending, rejected };
    this.emit({ type: 'outbox', pending, rejected });
  }

  /** Test hook: the session is ended by the backend. */
  endSession(code: SessionView['ended_because'] & string): void {
    this.signedIn = false;
    this.endedBecause = code;
    this.emit({ type: 'session-ended', code });
  }

  /** A gate reports that the pass's visitor came in (browser preview and tests). */
  recordEntry(id: PassId, gateName: string, at: string): void {
    const pass = this.passList.find((p) => p.id === id);
    if (!pass) return;
    pass.entries.push({ id: `0193a000-0000-7000-8000-00000000e${pass.entries.length}0`, gate_id: 'g1', gate_name: gateName, gate_group: 'pedestrian', at });
    pass.entries_used = pass.entries.length;
    this.changed('pass');
  }

  private decided<K extends Decided>(method: K, args: Parameters<Backend[K]>): Decisions[K] {
    const queue = this.scripts[method] as Answer<K>[] | undefined;
    if (!queue?.length) throw new BackendError('internal', `no answer scripted for ${method}`);
    const answer = queue.shift()!;
    return typeof answer === 'function' ? (answer as (...a: Parameters<Backend[K]>) => Decisions[K])(...args) : answer;
  }

  private emit(event: CoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private changed(kind: EntityKind): void {
    this.emit({ type: 'data-changed', kinds: [kind] });
  }

  private account(): AccountView {
    if (this.unbound) return { user: DEMO_USER, memberships: [], current_membership_id: null };
    return { user: DEMO_USER, memberships: this.homes, current_membership_id: this.current };
  }

  private found<T>(item: T | undefined, what: string): T {
    if (item === undefined) throw new BackendError('not-found', `no such ${what}`);
    return item;
  }

  private status(): SyncStatus {
    return { online: this.online, last_synced_at: null, outbox_pending: this.outbox.pending, outbox_rejected: this.outbox.rejected };
  }

  private saveOrder(order: PaymentOrder): PaymentOrder {
    const at = this.billing.orders.findIndex((o) => o.id === order.id);
    if (at < 0) this.billing.orders.unshift(order);
    else this.billing.orders[at] = order;
    this.changed('bill');
    return { ...order };
  }

  async session(): Promise<SessionView> {
    const account = this.signedIn ? this.account() : null;
    // Whether switching is allowed is the core's to say: the fake answers what a test set.
    const backend = this.backendView ? { ...this.backendView } : null;
    return { account, locale: this.locale, backend, ended_because: this.endedBecause, notifications: this.notifications, elderly_mode: this.elderly, elderly_offered: this.elderlyOffered };
  }

  async previewJoin(link: string): Promise<JoinPreview> { return this.decided('previewJoin', [link]); }

  async join(link: string): Promise<JoinPreview> {
    const joined = this.decided('join', [link]);
    this.backendView = { url: joined.backend_url, community_id: joined.community.id, community_name: joined.community.name, pinned: joined.pinned, can_switch: true };
    return joined;
  }

  async leaveBackend(): Promise<void> { this.backendView = null; }
  async readJoinQr(data: string): Promise<string> { return this.decided('readJoinQr', [data]); }
  async previewAddress(address: string): Promise<JoinPreview[]> { return this.decided('previewAddress', [address]); }

  async setNotifications(on: boolean): Promise<void> { this.notifications = on; }
  async setElderlyMode(on: boolean): Promise<void> {
    this.elderly = on;
    this.elderlyOffered = true;
  }

  async signIn(_phone: string, _password: string): Promise<AccountView> {
    this.signedIn = true;
    this.endedBecause = null;
    return this.account();
  }

  /** The backend's answer to a valid number (the same whether or not it has an account). */
  async requestSignInCode(_phone: string): Promise<SmsCodeSent> {
    return { resend_after_s: 60, expires_in_s: 300 };
  }

  /** Any code signs in: whether a code is right is the backend's to say (a test `fail`s it). */
  async signInWithCode(phone: string, _code: string): Promise<AccountView> {
    return this.signIn(phone, '');
  }

  async signOut(): Promise<void> {
    this.signedIn = false;
    this.endedBecause = null;
  }

  async switchHousehold(id: MembershipId): Promise<AccountView> {
    this.current = this.found(this.homes.find((m) => m.id === id), 'household').id;
    return this.account();
  }

  async leaveHousehold(id: MembershipId): Promise<AccountView> {
    return this.decided('leaveHousehold', [id]);
  }

  async invite(membership: MembershipId, input: CreateInvitation): Promise<Invitation> {
    return this.decided('invite', [membership, input]);
  }

  async homeMembers(_membership: MembershipId): Promise<HomeMember[]> { return this.memberList.map((m) => ({ ...m })); }

  async removeMember(membership: MembershipId, member: MembershipId): Promise<HomeMember[]> {
    return this.decided('removeMember', [membership, member]);
  }

  async invitations(): Promise<Invitation[]> { return this.invitationList.map((i) => ({ ...i })); }

  async acceptInvitation(id: InvitationId): Promise<AccountView> {
    return this.decided('acceptInvitation', [id]);
  }

  async declineInvitation(id: InvitationId): Promise<void> {
    const at = this.invitationList.findIndex((i) => i.id === id);
    if (at >= 0) this.invitationList.splice(at, 1);
  }

  async communities(): Promise<Community[]> {
    const seen = new Map(MEMBERSHIPS.map((m) => [m.community.id, m.community]));
    return [...seen.values()];
  }

  async buildings(_community: CommunityId): Promise<string[]> {
    return [...new Set(Object.keys(DIRECTORY_ROOMS).map((k) => k.split('/')[0]!))];
  }

  async entrances(_community: CommunityId, building: string): Promise<string[]> {
    return Object.keys(DIRECTORY_ROOMS).filter((k) => k.startsWith(`${building}/`)).map((k) => k.split('/')[1]!);
  }

  async rooms(_community: CommunityId, building: string, entrance: string): Promise<DirectoryRoom[]> {
    return (DIRECTORY_ROOMS[`${building}/${entrance}`] ?? []).map((r) => ({ ...r }));
  }

  async requestHome(input: CreateHomeRequest): Promise<HomeRequest> {
    return this.decided('requestHome', [input]);
  }

  async homeRequests(): Promise<HomeRequestsView> {
    return { mine: [...this.homeRequestList.mine], to_decide: [...this.homeRequestList.to_decide] };
  }

  async cancelHomeRequest(id: HomeRequestId): Promise<HomeRequest> {
    return this.decided('cancelHomeRequest', [id]);
  }

  async approveHomeRequest(id: HomeRequestId): Promise<HomeRequest> {
    return this.decided('approveHomeRequest', [id]);
  }

  async refuseHomeRequest(id: HomeRequestId, reason: string): Promise<HomeRequest> {
    return this.decided('refuseHomeRequest', [id, reason]);
  }

  async setLocale(locale: Locale): Promise<void> { this.locale = locale; }

  async notices(): Promise<Notice[]> {
    const community = this.homes.find((m) => m.id === this.current)!.community.id;
    return this.items.filter((n) => n.community_id === community).map((n) => ({ ...n }));
  }

  async searchNotices(query: string): Promise<NoticeHit[]> { return this.decided('searchNotices', [query]); }

  async notice(id: NoticeId): Promise<Notice> { return { ...this.found(this.items.find((n) => n.id === id), 'notice') }; }

  async markNoticeRead(id: NoticeId): Promise<Notice> {
    const notice = this.found(this.items.find((n) => n.id === id), 'notice');
    notice.read_at ??= new Date().toISOString();
    return { ...notice };
  }

  async syncNow(): Promise<SyncStatus> { return this.status(); }
  async syncStatus(): Promise<SyncStatus> { return this.status(); }
  async passes(): Promise<PassView[]> { return this.passList.filter((p) => p.membership_id === this.current).map((p) => structuredClone(p)); }

  async createPass(input: NewPass): Promise<PassView> {
    this.seq += 1;
    const id = `0193a000-0000-7000-8000-0000000002${String(this.seq).padStart(2, '0')}`;
    const issued = { state: 'active', payload: `VP1:FAKE${this.seq}`, short_code: String(10_000_000 + this.seq * 7919) } as const;
    const { visitor_phone: _phone, ...fields } = input;
    const view: PassView = { ...fields, id, membership_id: this.current, entries_used: 0, entries: [], error: null, ...issued, ...this.newPass };
    this.passList.unshift(view);
    this.changed('pass');
    return structuredClone(view);
  }

  async revokePass(id: PassId): Promise<PassView> {
    const pass = this.found(this.passList.find((p) => p.id === id), 'pass');
    pass.state = 'revoked';
    return structuredClone(pass);
  }

  async passQr(_id: PassId): Promise<string> { return PIXEL_PNG; }

  async savePicture(_dataUrl: string, name: string): Promise<string> {
    const path = `/home/resident/Pictures/${name}.png`;
    this.saved.push(path);
    return path;
  }

  async copyPicture(dataUrl: string): Promise<void> { this.clipboard = dataUrl; }
  async copyText(text: string): Promise<void> { this.clipboard = text; }

  async preparePhoto(data: string): Promise<PhotoDraft> {
    const id = crypto.randomUUID();
    const thumbnail = `data:image/jpeg;base64,${data}`;
    this.photos.set(id, thumbnail);
    return { id, thumbnail, width: 2016, height: 1512, bytes: 300_000 };
  }

  async ticketPhoto(id: string, _full: boolean): Promise<string> { return this.found(this.photos.get(id), 'photo'); }

  /** Keeps the report as given, queued: what the UI sent is what tests read back. */
  async submitTicket(input: NewTicket): Promise<TicketId> {
    const { photo_ids, ...fields } = input;
    const id = crypto.randomUUID();
    const photos = photo_ids.map((p) => ({ id: p, sent: 0, total: 300_000, state: 'waiting' }));
    this.ticketList.unshift({ id, state: 'pending', request: { ...fields, id, membership_id: this.current, attachment_ids: photo_ids }, ticket: null, photos, error: null });
    this.changed('ticket');
    return id;
  }

  async tickets(): Promise<TicketView[]> { return this.ticketList.map((t) => structuredClone(t)); }

  async resolveBlockedTicket(id: TicketId, choice: BlockedChoice): Promise<void> {
    const after = this.decided('resolveBlockedTicket', [id, choice]);
    const at = this.ticketList.findIndex((t) => t.id === id);
    if (at >= 0) this.ticketList.splice(at, 1, ...(after ? [after] : []));
    this.changed('ticket');
  }

  async ticketStep(id: TicketId, step: TicketStep): Promise<Ticket> {
    const ticket = this.decided('ticketStep', [id, step]);
    const view = this.ticketList.find((t) => t.id === id);
    if (view) view.ticket = ticket;
    this.changed('ticket');
    return structuredClone(ticket);
  }

  async bills(): Promise<Bill[]> { return this.billing.bills.map((b) => structuredClone(b)); }
  async paymentOrders(): Promise<PaymentOrder[]> { return this.billing.orders.map((o) => ({ ...o })); }
  async receipts(): Promise<Receipt[]> { return this.billing.receipts.map((r) => structuredClone(r)); }
  async ledger(): Promise<LedgerPeriod[]> { return this.billing.ledger.map((p) => structuredClone(p)); }
  async pay(billIds: BillId[], channel: PaymentChannel): Promise<PaymentOrder> { return this.saveOrder(this.decided('pay', [billIds, channel])); }
  async paymentOrder(id: PaymentOrderId): Promise<PaymentOrder> { return { ...this.found(this.billing.orders.find((o) => o.id === id), 'order') }; }

  /** The order as it stands: a test scripts its outcome on `checkoutAction`. */
  async followPayment(id: PaymentOrderId): Promise<PaymentOrder> { return this.paymentOrder(id); }
  async cancelPayment(id: PaymentOrderId): Promise<PaymentOrder> { return this.saveOrder(this.decided('cancelPayment', [id])); }
  async checkoutPage(id: PaymentOrderId): Promise<string> { return demoCheckoutPage(await this.paymentOrder(id)); }
  async checkoutAction(id: PaymentOrderId, url: string): Promise<PaymentOrder> { return this.saveOrder(this.decided('checkoutAction', [id, url])); }

  async exportReceiptPdf(id: ReceiptId): Promise<string> {
    const receipt = this.found(this.billing.receipts.find((r) => r.id === id), 'receipt');
    return `/home/resident/Downloads/收据-${receipt.number}.pdf`;
  }

  async exportLedgerCsv(period: string): Promise<string> { return `/home/resident/Downloads/收支公示-${period}.csv`; }

  async onEvent(listener: (event: CoreEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Nobody times the fake's first screen. */
  async firstScreenShown(): Promise<void> {}
}
