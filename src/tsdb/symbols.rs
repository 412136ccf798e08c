//! Interned label strings: every distinct name and value is stored once and
//! series refer to them by a 4-byte id, which is most of why the head needs
//! less memory per series than a copy of each label set would.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

/// A symbol id; ids are dense and never reused while the table lives.
pub type SymbolId = u32;

#[derive(Default)]
struct Table {
    strings: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, SymbolId>,
}

/// A concurrent string interner; reads take a shared lock.
#[derive(Default)]
pub struct Symbols {
    table: RwLock<Table>,
}

impl Symbols {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `s`, interning it when new.
    pub fn intern(&self, s: &str) -> SymbolId {
        if let Some(&id) = self.table.read().ids.get(s) {
            return id;
        }
        let mut table = self.table.write();
        if let Some(&id) = table.ids.get(s) {
            return id;
        }
        let id = table.strings.len() as SymbolId;
        let shared: Arc<str> = Arc::from(s);
        table.strings.push(shared.clone());
        table.ids.insert(shared, id);
        id
    }

    /// The id of `s` if it is interned.
    pub fn lookup(&self, s: &str) -> Option<SymbolId> {
        self.table.read().ids.get(s).copied()
    }

    /// Resolves ids under one shared lock for the duration of `f`.
    pub fn with_reader<R>(&self, f: impl FnOnce(&SymbolReader<'_>) -> R) -> R {
        let table = self.table.read();
        f(&SymbolReader { strings: &table.strings })
    }

    pub fn len(&self) -> usize {
        self.table.read().strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Resolves symbol ids while the table is read-locked.
pub struct SymbolReader<'a> {
    strings: &'a [Arc<str>],
}

impl SymbolReader<'_> {
    pub fn get(&self, id: SymbolId) -> &str {
        &self.strings[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent() {
        let symbols = Symbols::new();
        let a = symbols.intern("job");
        let b = symbols.intern("node");
        assert_eq!(symbols.intern("job"), a);
        assert_ne!(a, b);
        assert_eq!(symbols.lookup("node"), Some(b));
        assert_eq!(symbols.lookup("nope"), None);
        symbols.with_reader(|r| assert_eq!(r.get(b), "node"));
    }
}
