// The Backend over the Tauri shell: one `invoke` per command of src-tauri/src/commands.rs.
// Rejections are IpcError `{code, message}` objects.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
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
import { type Backend, asBackendError } from './contract';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw asBackendError(err);
  }
}

export class TauriBackend implements Backend {
  session(): Promise<SessionView> {
    return call('session');
  }
  signIn(phone: string, password: string): Promise<AccountView> {
    return call('sign_in', { phone, password });
  }
  signOut(): Promise<void> {
    return call('sign_out');
  }
  switchHousehold(id: MembershipId): Promise<AccountView> {
    return call('switch_household', { id });
  }
  setLocale(locale: Locale): Promise<void> {
    return call('set_locale', { locale });
  }
  setNotifications(on: boolean): Promise<void> {
    return call('set_notifications', { on });
  }
  notices(): Promise<Notice[]> {
    return call('notices');
  }
  notice(id: NoticeId): Promise<Notice> {
    return call('notice', { id });
  }
  markNoticeRead(id: NoticeId): Promise<Notice> {
    return call('mark_notice_read', { id });
  }
  syncNow(): Promise<SyncStatus> {
    return call('sync_now');
  }
  syncStatus(): Promise<SyncStatus> {
    return call('sync_status');
  }
  passes(): Promise<PassView[]> {
    return call('passes');
  }
  createPass(input: NewPass): Promise<PassView> {
    return call('create_pass', { input });
  }
  revokePass(id: PassId): Promise<PassView> {
    return call('revoke_pass', { id });
  }
  passQr(id: PassId): Promise<string> {
    return call('pass_qr', { id });
  }
  savePicture(dataUrl: string, name: string): Promise<string> {
    return call('save_picture', { dataUrl, name });
  }
  copyPicture(dataUrl: string): Promise<void> {
    return call('copy_picture', { dataUrl });
  }
  copyText(text: string): Promise<void> {
    return call('copy_text', { text });
  }
  preparePhoto(data: string): Promise<PhotoDraft> {
    return call('prepare_photo', { data });
  }
  ticketPhoto(id: string, full: boolean): Promise<string> {
    return call('ticket_photo', { id, full });
  }
  submitTicket(input: NewTicket): Promise<TicketId> {
    return call('submit_ticket', { input });
  }
  tickets(): Promise<TicketView[]> {
    return call('tickets');
  }
  resolveBlockedTicket(id: TicketId, choice: BlockedChoice): Promise<void> {
    return call('resolve_blocked_ticket', { id, choice });
  }
  ticketStep(id: TicketId, step: TicketStep): Promise<Ticket> {
    return call('ticket_step', { id, step });
  }
  bills(): Promise<Bill[]> {
    return call('bills');
  }
  paymentOrders(): Promise<PaymentOrder[]> {
    return call('payment_orders');
  }
  receipts(): Promise<Receipt[]> {
    return call('receipts');
  }
  ledger(): Promise<LedgerPeriod[]> {
    return call('ledger');
  }
  pay(billIds: BillId[], channel: PaymentChannel): Promise<PaymentOrder> {
    return call('pay', { billIds, channel });
  }
  paymentOrder(id: PaymentOrderId): Promise<PaymentOrder> {
    return call('payment_order', { id });
  }
  followPayment(id: PaymentOrderId): Promise<PaymentOrder> {
    return call('follow_payment', { id });
  }
  cancelPayment(id: PaymentOrderId): Promise<PaymentOrder> {
    return call('cancel_payment', { id });
  }
  checkoutPage(id: PaymentOrderId): Promise<string> {
    return call('checkout_page', { id });
  }
  checkoutAction(id: PaymentOrderId, url: string): Promise<PaymentOrder> {
    return call('checkout_action', { id, url });
  }
  exportReceiptPdf(id: ReceiptId): Promise<string> {
    return call('export_receipt_pdf', { id });
  }
  exportLedgerCsv(period: string): Promise<string> {
    return call('export_ledger_csv', { period });
  }
  async onEvent(listener: (event: CoreEvent) => void): Promise<() => void> {
    return listen<CoreEvent>('core-event', (event) => listener(event.payload));
  }
}
