// Generated from src-tauri/src/commands by `cargo xtask gen-types`; do not edit.
// One method per command: the UI's `Backend` is these plus `onEvent`.
import type { AccountView, Bill, BillId, BlockedChoice, Community, CommunityId, CreateHomeRequest, CreateInvitation, DirectoryRoom, HomeMember, HomeRequest, HomeRequestId, HomeRequestsView, Invitation, InvitationId, JoinPreview, LedgerPeriod, Locale, MembershipId, NewPass, NewTicket, Notice, NoticeHit, NoticeId, PassId, PassView, PaymentChannel, PaymentOrder, PaymentOrderId, PhotoDraft, Receipt, ReceiptId, SessionView, SmsCodeSent, SyncStatus, Ticket, TicketId, TicketStep, TicketView } from './wire';

/** What the app's commands take and answer. */
export interface Commands {
  /** What a join link leads to (the backend's community), its pin checked; keeps nothing. */
  previewJoin(link: string): Promise<JoinPreview>;
  /** Joins the community of a join link: the backend is kept and used from now on. */
  join(link: string): Promise<JoinPreview>;
  /** Forgets the chosen backend (signed out only), to join another community. */
  leaveBackend(): Promise<void>;
  /** The join link in a picture of its QR code the UI read from a picked file (Base64). */
  readJoinQr(data: string): Promise<string>;
  /** The communities of a backend address typed by hand (advanced), each with its link. */
  previewAddress(address: string): Promise<Array<JoinPreview>>;
  /** Who is signed in (from local state; works offline). */
  session(): Promise<SessionView>;
  /** Signs in with phone number and password; tokens go to the OS keyring. */
  signIn(phone: string, password: string): Promise<AccountView>;
  /** Asks the backend to send a sign-in code to this phone (any phone: a new one registers). */
  requestSignInCode(phone: string): Promise<SmsCodeSent>;
  /**
   * Signs in with the phone and the code it received; tokens go to the OS keyring. A new
   * phone gets an account with no home yet.
   */
  signInWithCode(phone: string, code: string): Promise<AccountView>;
  /** Signs out: tokens leave the keyring and the account's cache is deleted. */
  signOut(): Promise<void>;
  /** Shows another of the resident's households. */
  switchHousehold(id: MembershipId): Promise<AccountView>;
  /**
   * Leaves a home (moving out; needs the network): its passes are revoked and its data
   * leaves this device at the sync that follows.
   */
  leaveHousehold(id: MembershipId): Promise<AccountView>;
  /** Invites someone into the home of `membership` by phone (the resident is its owner). */
  invite(membership: MembershipId, input: CreateInvitation): Promise<Invitation>;
  /** The pending invitations addressed to the resident's number (needs the network). */
  invitations(): Promise<Array<Invitation>>;
  /** Accepts an invitation; the new home is shown. */
  acceptInvitation(id: InvitationId): Promise<AccountView>;
  /** Declines an invitation. */
  declineInvitation(id: InvitationId): Promise<void>;
  /** The active members of the home of `membership` (needs the network). */
  homeMembers(membership: MembershipId): Promise<Array<HomeMember>>;
  /**
   * Removes a family member or tenant from the home (the resident is its owner); answers
   * the members afterwards.
   */
  removeMember(membership: MembershipId, member: MembershipId): Promise<Array<HomeMember>>;
  /** Remembers the UI language. */
  setLocale(locale: Locale): Promise<void>;
  /** Turns desktop notifications of ticket progress on or off (this device). */
  setNotifications(on: boolean): Promise<void>;
  /** The communities the backend serves (needs the network). */
  communities(): Promise<Array<Community>>;
  /** The buildings of a community, in counting order. */
  buildings(community: CommunityId): Promise<Array<string>>;
  /** The entrances (单元) of a building; `[""]` for a building with one. */
  entrances(community: CommunityId, building: string): Promise<Array<string>>;
  /** The rooms of an entrance, with whether an owner is bound and the owner hint (王*). */
  rooms(community: CommunityId, building: string, entrance: string): Promise<Array<DirectoryRoom>>;
  /** Asks to bind a room; a home the backend binds at once is shown. */
  requestHome(input: CreateHomeRequest): Promise<HomeRequest>;
  /** The resident's home requests and those waiting for them (as last synced). */
  homeRequests(): Promise<HomeRequestsView>;
  /** Withdraws a pending home request. */
  cancelHomeRequest(id: HomeRequestId): Promise<HomeRequest>;
  /** Approves, as the room's owner, a family or tenant request. */
  approveHomeRequest(id: HomeRequestId): Promise<HomeRequest>;
  /** Refuses, as the room's owner, a family or tenant request, saying why. */
  refuseHomeRequest(id: HomeRequestId, reason: string): Promise<HomeRequest>;
  /** Pulls changes and flushes the outbox now (pull-to-refresh). */
  syncNow(): Promise<SyncStatus>;
  /** Connectivity and outbox status. */
  syncStatus(): Promise<SyncStatus>;
  /** Notices of the current household's community, from the cache. */
  notices(): Promise<Array<Notice>>;
  /**
   * Notices matching a query (Chinese, Latin, digits), from the cache, offline: most
   * relevant first, matches marked as parts.
   */
  searchNotices(query: string): Promise<Array<NoticeHit>>;
  /** One notice, from the cache. */
  notice(id: NoticeId): Promise<Notice>;
  /** Marks a notice read now and queues the mark for the backend. */
  markNoticeRead(id: NoticeId): Promise<Notice>;
  /** The current household's visitor passes (cache and outbox). */
  passes(): Promise<Array<PassView>>;
  /** Invites a visitor; queued, issued when online. */
  createPass(input: NewPass): Promise<PassView>;
  /** Revokes a pass (needs the network). */
  revokePass(id: PassId): Promise<PassView>;
  /** The QR code of an issued pass, as a PNG data URL (drawn by the core). */
  passQr(id: PassId): Promise<string>;
  /**
   * Saves a picture the UI drew (PNG data URL) in the pictures folder as `<name>.png`;
   * answers its path.
   */
  savePicture(dataUrl: string, name: string): Promise<string>;
  /** Puts a picture the UI drew (PNG data URL, checked by the core) on the system clipboard. */
  copyPicture(dataUrl: string): Promise<void>;
  /** Puts text on the system clipboard. */
  copyText(text: string): Promise<void>;
  /** The household's bills (unsettled first), from the cache. */
  bills(): Promise<Array<Bill>>;
  /** The household's payment orders, newest first, from the cache. */
  paymentOrders(): Promise<Array<PaymentOrder>>;
  /** The household's receipts, newest first, from the cache. */
  receipts(): Promise<Array<Receipt>>;
  /** The community's published fee ledger, newest first, from the cache. */
  ledger(): Promise<Array<LedgerPeriod>>;
  /** Starts paying whole bills; the order says how (its client action). Needs the network. */
  pay(billIds: Array<BillId>, channel: PaymentChannel): Promise<PaymentOrder>;
  /** A payment order as the backend has it now. */
  paymentOrder(id: PaymentOrderId): Promise<PaymentOrder>;
  /**
   * Waits (in the core) until the backend says the order is final, or a while has passed:
   * the order as last seen, possibly still open.
   */
  followPayment(id: PaymentOrderId): Promise<PaymentOrder>;
  /** Cancels an unpaid payment order. */
  cancelPayment(id: PaymentOrderId): Promise<PaymentOrder>;
  /** The demo provider's checkout page (HTML) for an order awaiting payment. */
  checkoutPage(id: PaymentOrderId): Promise<string>;
  /** Sends the payer's choice from the checkout page (its form's URL). */
  checkoutAction(id: PaymentOrderId, url: string): Promise<PaymentOrder>;
  /** Exports a receipt as a PDF; answers its path. */
  exportReceiptPdf(id: ReceiptId): Promise<string>;
  /** Exports a ledger period as CSV; answers its path. */
  exportLedgerCsv(period: string): Promise<string>;
  /**
   * Prepares a photo the UI read from a picked file (Base64) at once; `photo-*` codes when
   * unusable.
   */
  preparePhoto(data: string): Promise<PhotoDraft>;
  /**
   * One of a ticket's photos (the resident's or a staff after-photo) as a `data:` URL: its
   * thumbnail, or with `full` the whole photo. Kept on the device once fetched.
   */
  ticketPhoto(id: string, full: boolean): Promise<string>;
  /** Queues a report with its prepared photos (sent when online); answers its id. */
  submitTicket(input: NewTicket): Promise<TicketId>;
  /** The household's tickets: queued ones (with photo progress) first, then the backend's. */
  tickets(): Promise<Array<TicketView>>;
  /** Decides for a report blocked by a refused photo: send it without, or discard it. */
  resolveBlockedTicket(id: TicketId, choice: BlockedChoice): Promise<void>;
  /** A resident's step on a sent ticket (needs the network). */
  ticketStep(id: TicketId, step: TicketStep): Promise<Ticket>;
}

/** Sends a command by its name with its arguments and answers what it answers. */
export type Invoke = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

/** The commands over one `invoke` function. */
export function bindCommands(invoke: Invoke): Commands {
  return {
    previewJoin: (link: string) => invoke('preview_join', { link }) as Promise<JoinPreview>,
    join: (link: string) => invoke('join', { link }) as Promise<JoinPreview>,
    leaveBackend: () => invoke('leave_backend') as Promise<void>,
    readJoinQr: (data: string) => invoke('read_join_qr', { data }) as Promise<string>,
    previewAddress: (address: string) => invoke('preview_address', { address }) as Promise<Array<JoinPreview>>,
    session: () => invoke('session') as Promise<SessionView>,
    signIn: (phone: string, password: string) => invoke('sign_in', { phone, password }) as Promise<AccountView>,
    requestSignInCode: (phone: string) => invoke('request_sign_in_code', { phone }) as Promise<SmsCodeSent>,
    signInWithCode: (phone: string, code: string) => invoke('sign_in_with_code', { phone, code }) as Promise<AccountView>,
    signOut: () => invoke('sign_out') as Promise<void>,
    switchHousehold: (id: MembershipId) => invoke('switch_household', { id }) as Promise<AccountView>,
    leaveHousehold: (id: MembershipId) => invoke('leave_household', { id }) as Promise<AccountView>,
    invite: (membership: MembershipId, input: CreateInvitation) => invoke('invite', { membership, input }) as Promise<Invitation>,
    invitations: () => invoke('invitations') as Promise<Array<Invitation>>,
    acceptInvitation: (id: InvitationId) => invoke('accept_invitation', { id }) as Promise<AccountView>,
    declineInvitation: (id: InvitationId) => invoke('decline_invitation', { id }) as Promise<void>,
    homeMembers: (membership: MembershipId) => invoke('home_members', { membership }) as Promise<Array<HomeMember>>,
    removeMember: (membership: MembershipId, member: MembershipId) => invoke('remove_member', { membership, member }) as Promise<Array<HomeMember>>,
    setLocale: (locale: Locale) => invoke('set_locale', { locale }) as Promise<void>,
    setNotifications: (on: boolean) => invoke('set_notifications', { on }) as Promise<void>,
    communities: () => invoke('communities') as Promise<Array<Community>>,
    buildings: (community: CommunityId) => invoke('buildings', { community }) as Promise<Array<string>>,
    entrances: (community: CommunityId, building: string) => invoke('entrances', { community, building }) as Promise<Array<string>>,
    rooms: (community: CommunityId, building: string, entrance: string) => invoke('rooms', { community, building, entrance }) as Promise<Array<DirectoryRoom>>,
    requestHome: (input: CreateHomeRequest) => invoke('request_home', { input }) as Promise<HomeRequest>,
    homeRequests: () => invoke('home_requests') as Promise<HomeRequestsView>,
    cancelHomeRequest: (id: HomeRequestId) => invoke('cancel_home_request', { id }) as Promise<HomeRequest>,
    approveHomeRequest: (id: HomeRequestId) => invoke('approve_home_request', { id }) as Promise<HomeRequest>,
    refuseHomeRequest: (id: HomeRequestId, reason: string) => invoke('refuse_home_request', { id, reason }) as Promise<HomeRequest>,
    syncNow: () => invoke('sync_now') as Promise<SyncStatus>,
    syncStatus: () => invoke('sync_status') as Promise<SyncStatus>,
    notices: () => invoke('notices') as Promise<Array<Notice>>,
    searchNotices: (query: string) => invoke('search_notices', { query }) as Promise<Array<NoticeHit>>,
    notice: (id: NoticeId) => invoke('notice', { id }) as Promise<Notice>,
    markNoticeRead: (id: NoticeId) => invoke('mark_notice_read', { id }) as Promise<Notice>,
    passes: () => invoke('passes') as Promise<Array<PassView>>,
    createPass: (input: NewPass) => invoke('create_pass', { input }) as Promise<PassView>,
    revokePass: (id: PassId) => invoke('revoke_pass', { id }) as Promise<PassView>,
    passQr: (id: PassId) => invoke('pass_qr', { id }) as Promise<string>,
    savePicture: (dataUrl: string, name: string) => invoke('save_picture', { dataUrl, name }) as Promise<string>,
    copyPicture: (dataUrl: string) => invoke('copy_picture', { dataUrl }) as Promise<void>,
    copyText: (text: string) => invoke('copy_text', { text }) as Promise<void>,
    bills: () => invoke('bills') as Promise<Array<Bill>>,
    paymentOrders: () => invoke('payment_orders') as Promise<Array<PaymentOrder>>,
    receipts: () => invoke('receipts') as Promise<Array<Receipt>>,
    ledger: () => invoke('ledger') as Promise<Array<LedgerPeriod>>,
    pay: (billIds: Array<BillId>, channel: PaymentChannel) => invoke('pay', { billIds, channel }) as Promise<PaymentOrder>,
    paymentOrder: (id: PaymentOrderId) => invoke('payment_order', { id }) as Promise<PaymentOrder>,
    followPayment: (id: PaymentOrderId) => invoke('follow_payment', { id }) as Promise<PaymentOrder>,
    cancelPayment: (id: PaymentOrderId) => invoke('cancel_payment', { id }) as Promise<PaymentOrder>,
    checkoutPage: (id: PaymentOrderId) => invoke('checkout_page', { id }) as Promise<string>,
    checkoutAction: (id: PaymentOrderId, url: string) => invoke('checkout_action', { id, url }) as Promise<PaymentOrder>,
    exportReceiptPdf: (id: ReceiptId) => invoke('export_receipt_pdf', { id }) as Promise<string>,
    exportLedgerCsv: (period: string) => invoke('export_ledger_csv', { period }) as Promise<string>,
    preparePhoto: (data: string) => invoke('prepare_photo', { data }) as Promise<PhotoDraft>,
    ticketPhoto: (id: string, full: boolean) => invoke('ticket_photo', { id, full }) as Promise<string>,
    submitTicket: (input: NewTicket) => invoke('submit_ticket', { input }) as Promise<TicketId>,
    tickets: () => invoke('tickets') as Promise<Array<TicketView>>,
    resolveBlockedTicket: (id: TicketId, choice: BlockedChoice) => invoke('resolve_blocked_ticket', { id, choice }) as Promise<void>,
    ticketStep: (id: TicketId, step: TicketStep) => invoke('ticket_step', { id, step }) as Promise<Ticket>,
  };
}
