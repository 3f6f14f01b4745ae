// The `Backend` interface every face of the UI talks to, and its one error type: a
// `BackendError` whose `code` is a linli-wire ErrorCode. The implementations (tauri.ts, fake.ts)
// and the UI import it from here; index.ts picks the implementation, so nothing imports in a circle.
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
  PaymentChannel,
  PaymentOrder,
  PaymentOrderId,
  Receipt,
  ReceiptId,
  CoreEvent,
  ErrorCode,
  Locale,
  MembershipId,
  NewPass,
  Notice,
  NoticeId,
  PassId,
  PassView,
  SessionView,
  SyncStatus,
} from '../generated/wire';

export interface Backend {
  session(): Promise<SessionView>;
  signIn(phone: string, password: string): Promise<AccountView>;
  signOut(): Promise<void>;
  switchHousehold(id: MembershipId): Promise<AccountView>;
  setLocale(locale: Locale): Promise<void>;
  /** Turns desktop notifications of ticket progress on or off (this device). */
  setNotifications(on: boolean): Promise<void>;
  notices(): Promise<Notice[]>;
  notice(id: NoticeId): Promise<Notice>;
  markNoticeRead(id: NoticeId): Promise<Notice>;
  syncNow(): Promise<SyncStatus>;
  syncStatus(): Promise<SyncStatus>;
  passes(): Promise<PassView[]>;
  createPass(input: NewPass): Promise<PassView>;
  revokePass(id: PassId): Promise<PassView>;
  /** The pass's QR code as a PNG data URL (drawn by the core). */
  passQr(id: PassId): Promise<string>;
  /** Saves a PNG data URL in the pictures folder as `<name>.png`; resolves to its path. */
  savePicture(dataUrl: string, name: string): Promise<string>;
  /** Puts a PNG data URL on the system clipboard as a picture. */
  copyPicture(dataUrl: string): Promise<void>;
  /** Puts text on the system clipboard. */
  copyText(text: string): Promise<void>;
  /** Prepares a picked photo (Base64 of the file) at once; `photo-*` codes when unusable. */
  preparePhoto(data: string): Promise<PhotoDraft>;
  /** One of a ticket's photos (the resident's or a staff after-photo) as a data URL: its
   *  thumbnail, or with `full` the whole photo. Kept on the device once fetched. */
  ticketPhoto(id: string, full: boolean): Promise<string>;
  /** Queues a report with its prepared photos (sent when online); resolves to its id. */
  submitTicket(input: NewTicket): Promise<TicketId>;
  /** The household's tickets: queued ones (with photo progress) first, then the backend's. */
  tickets(): Promise<TicketView[]>;
  /** Decides for a report blocked by a refused photo: send it without, or discard it. */
  resolveBlockedTicket(id: TicketId, choice: BlockedChoice): Promise<void>;
  /** A resident's step on a sent ticket (needs the network). */
  ticketStep(id: TicketId, step: TicketStep): Promise<Ticket>;
  /** The household's bills (unsettled first), from the cache. */
  bills(): Promise<Bill[]>;
  /** The household's payment orders, newest first, from the cache. */
  paymentOrders(): Promise<PaymentOrder[]>;
  /** The household's receipts, newest first, from the cache. */
  receipts(): Promise<Receipt[]>;
  /** The community's published fee ledger, newest first, from the cache. */
  ledger(): Promise<LedgerPeriod[]>;
  /** Starts paying whole bills; the order says how (its client action). Needs the network. */
  pay(billIds: BillId[], channel: PaymentChannel): Promise<PaymentOrder>;
  /** The order as the backend has it now. */
  paymentOrder(id: PaymentOrderId): Promise<PaymentOrder>;
  /** Waits (in the core) until the backend says the order is final, or a while has passed:
   *  the order as last seen, possibly still open. */
  followPayment(id: PaymentOrderId): Promise<PaymentOrder>;
  /** Cancels an unpaid order. */
  cancelPayment(id: PaymentOrderId): Promise<PaymentOrder>;
  /** The demo provider's checkout page (HTML) for an order awaiting payment. */
  checkoutPage(id: PaymentOrderId): Promise<string>;
  /** Sends the payer's choice from the checkout page (its form's URL). */
  checkoutAction(id: PaymentOrderId, url: string): Promise<PaymentOrder>;
  /** Exports a receipt as a PDF; resolves to its path. */
  exportReceiptPdf(id: ReceiptId): Promise<string>;
  /** Exports a ledger period as CSV; resolves to its path. */
  exportLedgerCsv(period: string): Promise<string>;
  /** Subscribes to core events; resolves to an unsubscribe function. */
  onEvent(listener: (event: CoreEvent) => void): Promise<() => void>;
}

/** A failure the UI can explain: `code` decides the message. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
  }
}

/** Any thrown value as a BackendError (unexpected ones become `internal`). */
export function asBackendError(err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    const message = 'message' in err && typeof err.message === 'string' ? err.message : err.code;
    return new BackendError(err.code as ErrorCode, message);
  }
  return new BackendError('internal', err instanceof Error ? err.message : String(err));
}
