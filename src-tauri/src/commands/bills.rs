//! Commands of bills and payments: the cache, paying, following an order, the demo
//! provider's checkout, and the exported documents.

use linli_core::Core;
use linli_wire::bills::{Bill, LedgerPeriod, PaymentChannel, PaymentOrder, Receipt};
use linli_wire::{BillId, PaymentOrderId, ReceiptId};
use tauri::State;

commands! {
    /// The household's bills (unsettled first), from the cache.
    fn bills(core: State<'_, Core>) -> Vec<Bill> {
        core.bills().await
    }

    /// The household's payment orders, newest first, from the cache.
    fn payment_orders(core: State<'_, Core>) -> Vec<PaymentOrder> {
        core.payment_orders().await
    }

    /// The household's receipts, newest first, from the cache.
    fn receipts(core: State<'_, Core>) -> Vec<Receipt> {
        core.receipts().await
    }

    /// The community's published fee ledger, newest first, from the cache.
    fn ledger(core: State<'_, Core>) -> Vec<LedgerPeriod> {
        core.ledger().await
    }

    /// Starts paying whole bills; the order says how (its client action). Needs the network.
    fn pay(core: State<'_, Core>, bill_ids: Vec<BillId>, channel: PaymentChannel) -> PaymentOrder {
        core.pay(&bill_ids, channel).await
    }

    /// A payment order as the backend has it now.
    fn payment_order(core: State<'_, Core>, id: PaymentOrderId) -> PaymentOrder {
        core.payment_order(id).await
    }

    /// Waits (in the core) until the backend says the order is final, or a while has passed:
    /// the order as last seen, possibly still open.
    fn follow_payment(core: State<'_, Core>, id: PaymentOrderId) -> PaymentOrder {
        core.follow_payment(id).await
    }

    /// Cancels an unpaid payment order.
    fn cancel_payment(core: State<'_, Core>, id: PaymentOrderId) -> PaymentOrder {
        core.cancel_payment(id).await
    }

    /// The demo provider's checkout page (HTML) for an order awaiting payment.
    fn checkout_page(core: State<'_, Core>, id: PaymentOrderId) -> String {
        core.checkout_page(id).await
    }

    /// Sends the payer's choice from the checkout page (its form's URL).
    fn checkout_action(core: State<'_, Core>, id: PaymentOrderId, url: String) -> PaymentOrder {
        core.checkout_action(id, &url).await
    }

    /// Exports a receipt as a PDF; answers its path.
    fn export_receipt_pdf(core: State<'_, Core>, id: ReceiptId) -> String {
        core.export_receipt_pdf(id).await
    }

    /// Exports a ledger period as CSV; answers its path.
    fn export_ledger_csv(core: State<'_, Core>, period: String) -> String {
        core.export_ledger_csv(&period).await
    }
}
