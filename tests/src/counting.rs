//! A `Table` that counts what reaches the store, to test that an access pattern's cost grows
//! with what it needs and not with what is stored.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering::Relaxed},
};

use tiketi_core::ports::table::{Item, Key, Page, Query, Table, TableError, Write};

#[derive(Debug, Default)]
pub struct Counts {
    pub calls: AtomicUsize,
    pub items_read: AtomicUsize,
    pub items_written: AtomicUsize,
    /// Of the calls, the eventually consistent reads (`get_eventually`).
    pub eventual_reads: AtomicUsize,
}

impl Counts {
    pub fn reset(&self) {
        for counter in [
            &self.calls,
            &self.items_read,
            &self.items_written,
            &self.eventual_reads,
        ] {
            counter.store(0, Relaxed);
        }
    }

    /// (calls, items read, items written)
    pub fn get(&self) -> (usize, usize, usize) {
        (
            self.calls.load(Relaxed),
            self.items_read.load(Relaxed),
            self.items_written.load(Relaxed),
        )
    }
}

#[derive(Debug, Clone)]
pub struct CountingTable<T> {
    inner: T,
    pub counts: Arc<Counts>,
}

impl<T> CountingTable<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            counts: Arc::default(),
        }
    }
}

impl<T: Table> Table for CountingTable<T> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.counts.calls.fetch_add(1, Relaxed);
        let item = self.inner.get(key).await?;
        self.counts
            .items_read
            .fetch_add(usize::from(item.is_some()), Relaxed);
        Ok(item)
    }

    async fn get_eventually(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.counts.calls.fetch_add(1, Relaxed);
        self.counts.eventual_reads.fetch_add(1, Relaxed);
        let item = self.inner.get_eventually(key).await?;
        self.counts
            .items_read
            .fetch_add(usize::from(item.is_some()), Relaxed);
        Ok(item)
    }

    async fn write(&self, write: Write) -> Result<(), TableError> {
        self.counts.calls.fetch_add(1, Relaxed);
        self.counts.items_written.fetch_add(1, Relaxed);
        self.inner.write(write).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        self.counts.calls.fetch_add(1, Relaxed);
        self.counts.items_written.fetch_add(writes.len(), Relaxed);
        self.inner.transact(writes).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), TableError> {
        self.counts.calls.fetch_add(1, Relaxed);
        self.counts.items_written.fetch_add(items.len(), Relaxed);
        self.inner.batch_put(items).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        self.counts.calls.fetch_add(1, Relaxed);
        let page = self.inner.query(query).await?;
        self.counts.items_read.fetch_add(page.items.len(), Relaxed);
        Ok(page)
    }
}
