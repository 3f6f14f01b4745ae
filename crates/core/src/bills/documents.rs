//! Exporting a receipt as PDF and a ledger period as CSV into the documents folder. Uses
//! [`crate::documents`] to draw them and [`crate::share::save_new`] to save without
//! replacing a file that is there.

use crate::error::Error;
use crate::{Core, documents, share};
use linli_wire::ReceiptId;

impl Core {
    /// Exports a receipt as a PDF into the documents folder; returns its path. Works offline.
    pub async fn export_receipt_pdf(&self, id: ReceiptId) -> Result<String, Error> {
        let receipt = self
            .receipts()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::NotFound(format!("receipt {id}")))?;
        let name = format!("收据-{}", receipt.number);
        let font_path = self.inner.cjk_font.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            let font = documents::CjkFont::find(font_path.as_deref())?;
            documents::receipt_pdf(&receipt, &font)
        })
        .await
        .map_err(|err| Error::Internal(format!("draw the receipt: {err}")))??;
        let path = share::save_new(&self.inner.documents_dir, &name, "pdf", pdf).await?;
        Ok(path.display().to_string())
    }

    /// Exports one published ledger period as CSV into the documents folder. Works offline.
    pub async fn export_ledger_csv(&self, period: &str) -> Result<String, Error> {
        let found = self
            .ledger()
            .await?
            .into_iter()
            .find(|p| p.period == period)
            .ok_or_else(|| Error::NotFound(format!("ledger period {period}")))?;
        let csv = documents::ledger_csv(&found);
        let path = share::save_new(
            &self.inner.documents_dir,
            &format!("收支公示-{}", found.period),
            "csv",
            csv,
        )
        .await?;
        Ok(path.display().to_string())
    }
}
