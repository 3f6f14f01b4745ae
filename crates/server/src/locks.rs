//! One async lock per upload being written, kept in [`crate::AppState`]: the uploads feature
//! serialises the PATCHes of one upload with it. It lives here, with the shared state, so the
//! state does not depend on a feature.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use uuid::Uuid;

/// One lock per upload being written.
#[derive(Debug, Default)]
pub struct UploadLocks(StdMutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>);

impl UploadLocks {
    /// The lock of upload `id` (made on first use; unused ones are dropped as others are taken).
    pub(crate) fn of(&self, id: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, lock| Arc::strong_count(lock) > 1);
        map.entry(id).or_default().clone()
    }

    /// How many requests hold or wait for the lock of upload `id` right now. Nothing here
    /// branches on it; it lets an operator (or a test) see writers queue behind each other.
    pub fn writers(&self, id: Uuid) -> usize {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&id)
            .map_or(0, |lock| Arc::strong_count(lock).saturating_sub(1))
    }
}
